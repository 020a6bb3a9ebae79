#!/usr/bin/env bash
# Installs the real Claude Code CLI that test/integration/claude.test.ts drives, into a gitignored cache in the
# repo. It is not a dependency of agentpool (about 245 MB; the demo and users do not need it), and it is pinned:
# the screen patterns and fixtures in test/fixtures/screens/claude-<version>/ belong to this exact version.
# Idempotent and quiet when the CLI is already there. A failed install does not fail `npm test`: the claude
# tests then skip and say why (test/integration/claude.test.ts reads the marker file written below).
set -uo pipefail
cd "$(dirname "$0")/.."

# The pinned version. Another one for a try-out: `bash scripts/setup-claude.sh 2.1.330`, or CLAUDE_VERSION=...;
# `latest` asks the registry which version that is now (test/integration/claude.test.ts then takes it from
# AGENTPOOL_CLAUDE_VERSION).
PINNED=2.1.330
VERSION=${1:-${CLAUDE_VERSION:-$PINNED}}

say() { printf 'agentpool setup-claude: %s\n' "$*" >&2; }

if [ "$VERSION" = latest ]; then
  if ! VERSION=$(npm view @anthropic-ai/claude-code version 2>/dev/null) || [ -z "$VERSION" ]; then
    say "could not ask the registry for the latest @anthropic-ai/claude-code (no registry access?)"
    exit 1
  fi
  say "latest @anthropic-ai/claude-code is $VERSION"
fi
# The version names a folder below (and the fixtures folder): a concrete version, nothing else.
if ! [[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]]; then
  say "not a version: '$VERSION' (give one like $PINNED, or latest)"
  exit 1
fi
DIR=.cache/claude-code/$VERSION
FAILED=$DIR/.install-failed

# The launcher's postinstall (which would put bin/claude.exe in place) does not run under npm 11, so the
# executable is the one in the platform package.
platform_pkg() {
  local arch os libc=''
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) arch=$(uname -m) ;;
  esac
  case "$(uname -s)" in
    Linux) os=linux; if ldd --version 2>&1 | grep -qi musl; then libc=-musl; fi ;;
    Darwin) os=darwin ;;
    *) os=$(uname -s | tr '[:upper:]' '[:lower:]') ;;
  esac
  printf '@anthropic-ai/claude-code-%s-%s%s' "$os" "$arch" "$libc"
}

EXE=$DIR/node_modules/$(platform_pkg)/claude
if [ -x "$EXE" ]; then
  exit 0
fi

mkdir -p "$DIR"
rm -f "$FAILED"
say "installing @anthropic-ai/claude-code@$VERSION into $DIR (once; about 245 MB)"
if ! npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$DIR" "@anthropic-ai/claude-code@$VERSION" >&2; then
  echo "npm install @anthropic-ai/claude-code@$VERSION failed (no registry access?)" >"$FAILED"
  say "the install failed; the claude integration tests will skip and say so"
  exit 0
fi
if [ ! -x "$EXE" ]; then
  echo "installed, but $EXE is missing: this platform ($(uname -s) $(uname -m)) has no package $(platform_pkg)" >"$FAILED"
  say "$(cat "$FAILED")"
  exit 0
fi
say "installed: $("$EXE" --version 2>/dev/null || echo "$EXE")"
