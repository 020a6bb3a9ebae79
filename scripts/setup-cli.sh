#!/usr/bin/env bash
# Installs the real Codex CLI or Gemini CLI that test/integration/codex.test.ts and gemini.test.ts drive, into a
# gitignored cache in the repo (like scripts/setup-claude.sh for Claude Code). Neither is a dependency of
# agentpool: users install their own. Each is pinned: the screen patterns of the shipped profiles and the
# fixtures in test/fixtures/screens/<cli>-<version>/ belong to that exact version.
#
#   bash scripts/setup-cli.sh codex            the pinned version
#   bash scripts/setup-cli.sh gemini 0.62.0    another one (the tests then need AGENTPOOL_GEMINI_VERSION=0.62.0)
#   bash scripts/setup-cli.sh codex latest     whatever the registry has now
#
# Idempotent and quiet when the CLI is already there. A failed install does not fail `npm test`: those tests then
# skip and say why (they read the marker file written below).
set -uo pipefail
cd "$(dirname "$0")/.."

say() { printf 'agentpool setup-cli: %s\n' "$*" >&2; }

CLI=${1:-}
case "$CLI" in
  codex) PACKAGE=@openai/codex; PINNED=0.171.0; BIN=codex; SIZE='about 430 MB' ;;
  gemini) PACKAGE=@google/gemini-cli; PINNED=0.61.0; BIN=gemini; SIZE='about 100 MB' ;;
  *) say "usage: bash scripts/setup-cli.sh codex|gemini [version|latest]"; exit 1 ;;
esac
VERSION=${2:-$PINNED}

if [ "$VERSION" = latest ]; then
  if ! VERSION=$(npm view "$PACKAGE" version 2>/dev/null) || [ -z "$VERSION" ]; then
    say "could not ask the registry for the latest $PACKAGE (no registry access?)"
    exit 1
  fi
  say "latest $PACKAGE is $VERSION"
fi
if ! [[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]]; then
  say "not a version: '$VERSION' (give one like $PINNED, or latest)"
  exit 1
fi
DIR=.cache/$CLI/$VERSION
FAILED=$DIR/.install-failed
EXE=$DIR/node_modules/.bin/$BIN
if [ -x "$EXE" ] && "$EXE" --version >/dev/null 2>&1; then
  exit 0
fi

mkdir -p "$DIR"
rm -f "$FAILED"
say "installing $PACKAGE@$VERSION into $DIR (once; $SIZE)"
if ! npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$DIR" "$PACKAGE@$VERSION" >&2; then
  echo "npm install $PACKAGE@$VERSION failed (no registry access?)" >"$FAILED"
  say "the install failed; the $CLI integration tests will skip and say so"
  exit 0
fi
if ! "$EXE" --version >/dev/null 2>&1; then
  echo "installed, but '$EXE --version' does not run on this platform ($(uname -s) $(uname -m))" >"$FAILED"
  say "$(cat "$FAILED")"
  exit 0
fi
say "installed: $CLI $("$EXE" --version 2>/dev/null | tail -1)"
