/**
 * Captures screen fixtures of a real agent CLI (test/fixtures/screens/<cli>-<version>/) the way agentpool
 * sees them: `capture-pane -p -J` of a 200×50 pane on a test tmux server, the CLI pointed at its loopback
 * stand-in. Steps say what to type, what the stand-in does with the turn, and which screen to wait for
 * before saving. The expectations (expected.json) are kept by hand. Used by the `capture` blocks of
 * codex.test.ts and gemini.test.ts (AGENTPOOL_CAPTURE_SCREENS=1); the same procedure as claude.test.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StandIn, StandInBehaviour } from './stand-in.js';
import { testTmux, waitFor } from './tmux-server.js';

export interface CaptureStep {
  /** The fixture's name (without .txt); '' waits without saving. */
  name: string;
  /** Behaviours queued on the stand-in first. */
  queue?: StandInBehaviour[];
  /** Text pasted, then Enter (after the screen settles). */
  type?: string;
  /** The screen to wait for before saving. */
  until: RegExp;
  timeoutMs?: number;
}

export async function captureScreens(o: {
  out: string;
  api: StandIn;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  steps: CaptureStep[];
}): Promise<string[]> {
  const tmux = testTmux();
  const saved: string[] = [];
  await mkdir(o.out, { recursive: true });
  const env = Object.entries(o.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  await tmux.run('new-session', '-d', '-s', 'cap', '-x', '200', '-y', '50', '-c', o.cwd, ...env, '--', ...o.argv);
  await tmux.run('set-option', '-w', '-t', 'cap', 'remain-on-exit', 'on');
  const screen = () => tmux.run('capture-pane', '-p', '-J', '-t', 'cap');
  const settle = async () => {
    let last = '';
    await waitFor(async () => {
      const s = await screen();
      const same = s === last;
      last = s;
      return same;
    }, { timeoutMs: 5_000, intervalMs: 200, what: 'the screen to settle' });
  };
  try {
    for (const step of o.steps) {
      if (step.queue) o.api.queue(...step.queue);
      if (step.type !== undefined) {
        await tmux.run('set-buffer', '-b', 'cap', step.type);
        await tmux.run('paste-buffer', '-p', '-d', '-b', 'cap', '-t', 'cap');
        await settle();
        await tmux.run('send-keys', '-t', 'cap', 'Enter');
      }
      // An Enter the CLI did not take (Gemini CLI takes text before it can: its input shows early) is pressed again.
      for (let press = 1; step.type !== undefined && press < 3; press++) {
        if (await waitFor(async () => step.until.test(await screen()), { timeoutMs: 5_000, intervalMs: 100 }).catch(() => false)) break;
        await tmux.run('send-keys', '-t', 'cap', 'Enter');
      }
      await waitFor(async () => step.until.test(await screen()), { timeoutMs: step.timeoutMs ?? 20_000, intervalMs: 100, what: `the screen for ${step.name || 'the next step'}` })
        .catch(async (err: Error) => {
          throw new Error(`${err.message}; the screen:\n${(await screen()).replace(/\s+$/gm, '')}`);
        });
      if (!step.name) continue;
      await writeFile(join(o.out, `${step.name}.txt`), `${await screen()}\n`);
      saved.push(step.name);
    }
  } finally {
    await tmux.kill();
  }
  return saved;
}
