#!/usr/bin/env bash
# `npm test` (and so .ci/run): the setup every entry point shares (dependencies, tmux, git, the build), then
# the real agent CLIs the integration tests drive, installed once into .cache/ while the tests' types are
# checked (the installs wait on the network and the disk, the check on a core), then the whole suite.
# Arguments go to vitest (`npm test -- test/integration/pool.test.ts`).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --tests
installs=()
bash scripts/setup-claude.sh & installs+=($!)
bash scripts/setup-cli.sh codex & installs+=($!)
bash scripts/setup-cli.sh gemini & installs+=($!)
typecheck=0
npx --no-install tsc -p tsconfig.test.json || typecheck=$?
# The installs never fail the run (a CLI that cannot be installed is skipped by its tests, which say why).
for pid in "${installs[@]}"; do wait "$pid" || true; done
[ "$typecheck" = 0 ] || { echo "agentpool test: the type check failed (tsc -p tsconfig.test.json)" >&2; exit "$typecheck"; }
exec npx --no-install vitest run "$@"
