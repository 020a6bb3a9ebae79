/**
 * A `tmux` that can be held at the door: a shim put first on a child's PATH that runs the real tmux, except
 * while a gate is closed for that tmux command (or for all of them):
 *
 * - `before`: the call announces itself and waits for the gate to open, then runs;
 * - `after`:  the call runs at once, announces itself, and waits with its output until the gate opens — so
 *             the caller receives a picture of the world as it was when it asked.
 *
 * A test can then act at a moment it chose ("a tmux command of the controller is in flight", "a pass holds a
 * listing older than this action") instead of hoping a timing lines up. The shim waits on a file by polling;
 * the test waits on the shim the same way, with a deadline.
 */
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';

export type GateWhen = 'before' | 'after';

export interface TmuxGate {
  /** Give this as the child's PATH. */
  path: string;
  /** From now on calls of `command` (every command when omitted) wait, `before` or `after` they run. */
  close(command?: string, when?: GateWhen): Promise<void>;
  /** Lets waiting and future calls through. */
  open(command?: string, when?: GateWhen): Promise<void>;
  /** How many calls of `command` (any when omitted) are, or were, held since its gate last closed. */
  held(command?: string): number;
}

const ALL = 'all';

export async function createTmuxGate(dir: string): Promise<TmuxGate> {
  const real = (await execa('sh', ['-c', 'command -v tmux'])).stdout.trim();
  if (!real.startsWith('/')) throw new Error(`cannot find the real tmux (got ${JSON.stringify(real)})`);
  const bin = join(dir, 'gate-bin');
  const state = join(dir, 'gate');
  await mkdir(bin, { recursive: true });
  await mkdir(state, { recursive: true });
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  await writeFile(
    join(bin, 'tmux'),
    `#!/bin/sh
gate=${q(state)}
real=${q(real)}
# agentpool names its socket and config first: tmux -L NAME -f FILE <command> ...
cmd=$1
for a in "$@"; do
  case $skip in 1) skip=; continue ;; esac
  case $a in -L|-S|-f) skip=1 ;; *) cmd=$a; break ;; esac
done
wait_gate() {
  for f in "$gate/$1.${ALL}" "$gate/$1.$cmd"; do
    if [ -e "$f" ]; then
      : > "$gate/held.$cmd.$$"
      while [ -e "$f" ]; do sleep 0.01; done
      # The test is over and its folder gone: do not touch its socket any more.
      [ -d "$gate" ] || exit 1
    fi
  done
}
wait_gate before
if [ -e "$gate/after.$cmd" ] || [ -e "$gate/after.${ALL}" ]; then
  out=$("$real" "$@"); rc=$?
  wait_gate after
  [ -n "$out" ] && printf '%s\\n' "$out"
  exit $rc
fi
exec "$real" "$@"
`,
  );
  await chmod(join(bin, 'tmux'), 0o755);
  const heldFiles = (command?: string) =>
    existsSync(state) ? readdirSync(state).filter((f) => f.startsWith(command ? `held.${command}.` : 'held.')) : [];
  return {
    path: [bin, process.env.PATH ?? ''].join(delimiter),
    async close(command = ALL, when = 'before') {
      for (const f of heldFiles(command === ALL ? undefined : command)) await rm(join(state, f), { force: true });
      await writeFile(join(state, `${when}.${command}`), '');
    },
    async open(command = ALL, when) {
      for (const w of when ? [when] : (['before', 'after'] as const)) await rm(join(state, `${w}.${command}`), { force: true });
    },
    held: (command) => heldFiles(command).length,
  };
}

/** Opens every gate; for `finally` blocks, so a failed test never leaves the controller's tmux calls waiting. */
export async function openAll(gate: TmuxGate, commands: readonly string[]): Promise<void> {
  await gate.open();
  for (const c of commands) await gate.open(c);
}
