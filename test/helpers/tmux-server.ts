/**
 * A private tmux server per test. Every command goes through `guardArgs`, which fails loudly unless the
 * command names this test's own socket, so a mistake cannot touch anybody else's sessions.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { endProcessGroup } from '../../src/util/pid.js';

export const TEST_SOCKET_PREFIX = 'aptest-';

export interface TestTmux {
  /** The `-L` socket name, unique to this server. */
  socket: string;
  /** Runs `tmux -L <socket> ...args` and returns stdout. */
  run(...args: string[]): Promise<string>;
  /** Like run, but never throws: returns exit code and output. */
  tryRun(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Kills this server (and only this one). Safe to call twice. */
  kill(): Promise<void>;
}

export function uniqueSocket(): string {
  return `${TEST_SOCKET_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Throws unless `args` start with `-L <socket>` for a test socket. */
export function guardArgs(args: readonly string[]): void {
  const [flag, socket] = args;
  if (flag !== '-L' || !socket || !socket.startsWith(TEST_SOCKET_PREFIX)) {
    throw new Error(
      `test tmux guard: refusing to run tmux ${args.join(' ')}: tests must name their own socket with -L ${TEST_SOCKET_PREFIX}*`,
    );
  }
  if (!process.env.TMUX_TMPDIR?.startsWith(process.env.AGENTPOOL_TEST_TMUX_TMPDIR ?? '\0')) {
    throw new Error('test tmux guard: TMUX_TMPDIR is not the test sandbox; is test/helpers/isolate-tmux.ts a setup file?');
  }
}

export function testTmux(socket = uniqueSocket()): TestTmux {
  const exec = async (args: string[]) => {
    const full = ['-L', socket, ...args];
    guardArgs(full);
    return execa('tmux', full, { reject: false });
  };
  return {
    socket,
    async run(...args) {
      const r = await exec(args);
      if (r.exitCode !== 0) throw new Error(`tmux -L ${socket} ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
      return r.stdout;
    },
    async tryRun(...args) {
      const r = await exec(args);
      return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    async kill() {
      // The panes' programs get SIGHUP from the server as it goes; one that ignores it (Gemini CLI) is ended.
      const live = await exec(['list-panes', '-a', '-F', '#{pid} #{?pane_dead,,#{pane_pid}}']);
      const rows = live.stdout.split('\n').filter(Boolean).map((r) => r.split(' ').map(Number));
      await exec(['kill-server']);
      for (const [, pid] of rows) if (pid! > 1) endProcessGroup(pid!, 1_000);
      // kill-server returns before the server is gone: with many panes it takes a while to close them (a
      // tmux built with libutempter runs a helper for each). Wait, so the next test or the run's end does
      // not find it still running; end it if it outlives the wait.
      const server = rows[0]?.[0];
      if (server && server > 1) {
        // Gone, or a zombie nobody has reaped yet (where pid 1 does not reap), which holds nothing.
        const gone = async () => {
          const stat = await readFile(`/proc/${server}/stat`, 'utf8').catch(() => null);
          if (stat !== null) return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
          try {
            process.kill(server, 0);
            return false;
          } catch {
            return true;
          }
        };
        await waitFor(gone, { timeoutMs: 10_000, what: `tmux server ${server} gone` }).catch(() => {
          try {
            process.kill(server, 'SIGKILL');
          } catch {
            // gone meanwhile
          }
        });
      }
    },
  };
}

/** Polls `probe` until it returns a truthy value or the deadline passes; returns that value. */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 50, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * TMUX and TMUX_PANE exactly as tmux sets them for a shell in a new session `name` of `tmux` (read from the
 * pane itself): what a controller started from that shell inherits. `dir` holds the file they are passed in.
 */
export async function shellEnvIn(tmux: TestTmux, name: string, dir: string): Promise<{ TMUX: string; TMUX_PANE: string }> {
  const file = join(dir, `${name}.env`);
  await tmux.run('new-session', '-d', '-s', name, '-x', '120', '-y', '30', '--', 'sh', '-c', `printf '%s\\n%s\\n' "$TMUX" "$TMUX_PANE" > '${file}'; exec sleep 100000`);
  const text = await waitFor(() => readFile(file, 'utf8').then((t) => (t.includes('%') ? t : ''), () => ''), { what: `the env of a shell in ${name}` });
  const [TMUX = '', TMUX_PANE = ''] = text.split('\n');
  if (!/^\/.+,\d+,\d+$/.test(TMUX) || !/^%\d+$/.test(TMUX_PANE)) throw new Error(`unexpected pane env: ${JSON.stringify(text)}`);
  return { TMUX, TMUX_PANE };
}
