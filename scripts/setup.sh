#!/usr/bin/env bash
# One setup for every entry point (npm test, npm run demo, .ci/run): dependencies, tmux, build.
# Idempotent and quiet when there is nothing to do, so it can run before every command.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'agentpool setup: %s\n' "$*" >&2; }

# package.json's engines: >=20.19.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  say "Node $(node -v) is too old; agentpool needs Node 20.19 or newer."
  exit 1
fi

# Dependencies: install when missing or when the lockfile changed since the last install.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

# tmux: agentpool drives a private tmux server, so tmux itself must be there. git: for projects with
# isolation: worktree, which the demo and the tests use.
# need PROGRAM WHY [PACKAGE]: installs PACKAGE (default PROGRAM) with apt-get when PROGRAM is missing and we
# are root, else says how and stops.
updated=
need() {
  local program=$1 why=$2 package=${3:-$1}
  command -v "$program" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "$program is missing; installing $package with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    [ -n "$updated" ] || { apt-get update -qq >&2; updated=1; }
    apt-get install -y -qq "$package" >&2
    if ! command -v "$program" >/dev/null 2>&1; then
      say "apt-get finished but there is still no $program on PATH; install it by hand and run this again."
      exit 1
    fi
  else
    say "$program is not installed ($why). Install it (e.g. 'sudo apt-get install $package' or 'brew install $package') and run this again."
    exit 1
  fi
}
need tmux "agentpool runs its agents in a private tmux server"
need git "the demo and the tests run tasks in git worktrees"
# The sandbox each agent runs in (sandbox: auto, the default): bubblewrap, and socat for the addresses it may
# reach. Installed like tmux when we are root; otherwise the pool runs without it and status and doctor say
# so (README: What a task can touch). Fleet mode's demo and tests run their own redis-server on loopback
# ports. The tests need all of them (scripts/test.sh passes --tests).
if [ "${1:-}" = --tests ]; then
  need bwrap "the tests run agents in a sandbox" bubblewrap
  need socat "the tests run agents in a sandbox" socat
  need redis-server "the fleet's tests run their own Redis" redis-server
  need chromium "the dashboard's tests drive a real browser" chromium
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  need bwrap "each agent runs in a sandbox" bubblewrap
  need socat "each agent runs in a sandbox" socat
  need redis-server "npm run demo -- --fleet runs a local Redis" redis-server
elif ! command -v bwrap >/dev/null 2>&1 || ! command -v socat >/dev/null 2>&1; then
  say "bubblewrap or socat is not installed: agents will run without a sandbox ('sudo apt-get install bubblewrap socat' to have one)."
fi

# Build: TypeScript to dist/, then what the bins run (scripts/bundle.mjs), unless dist/ is newer than every
# source (a no-op tsc still takes seconds).
if [ -f dist/.tsbuildinfo ] && [ -z "$(find src schemas scripts/bundle.mjs tsconfig.json package-lock.json -newer dist/.tsbuildinfo -print -quit)" ]; then
  exit 0
fi
npx --no-install tsc -p tsconfig.json
node scripts/bundle.mjs
# tsc leaves its record as it was when no output changed (a source only touched): mark dist/ current now.
touch dist/.tsbuildinfo
