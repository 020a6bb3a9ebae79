/**
 * Once per `vitest run`: every temp folder and tmux socket the tests make goes into one sandbox (TMPDIR and
 * TMUX_TMPDIR point there, for the test processes and everything they start), and the run checks at the
 * end that it left nothing behind: no tmux server still running on a test socket, and nothing new of ours
 * in the real temp dir. Any process it started that is still running is ended, with a warning. Then the
 * sandbox goes.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { processesWith } from './processes.js';

const OURS = /^agentpool-/;

export default function setup(): () => void {
  // Each test project (vitest.config.ts) runs this; the first one makes the sandbox for the whole run.
  if (process.env.AGENTPOOL_TEST_TMUX_TMPDIR) return () => {};
  const realTmp = tmpdir();
  const before = new Set(readdirSync(realTmp).filter((n) => OURS.test(n)));
  const sandbox = mkdtempSync(join(realTmp, 'agentpool-test-run-'));
  before.add(sandbox.slice(realTmp.length + 1));
  // It must exist: tmux falls back to /tmp for a TMUX_TMPDIR it cannot resolve.
  const tmux = join(sandbox, 'tmux');
  mkdirSync(tmux, { mode: 0o700 });
  process.env.AGENTPOOL_TEST_TMUX_TMPDIR = tmux;
  process.env.TMUX_TMPDIR = tmux;
  process.env.TMPDIR = sandbox;

  return () => {
    const problems: string[] = [];
    // Anything the run started that is still running, but the test workers (this process's children, which
    // vitest ends itself): end it, and say what it was. A warning, not a failure: seen twice in one run, a
    // tmux server that a controller started after its test killed the first one, no longer reachable by
    // its socket (another server took the path), with that controller's control client attached.
    const strays = processesWith(`AGENTPOOL_TEST_TMUX_TMPDIR=${tmux}`).filter((q) => q.ppid !== process.pid);
    for (const p of strays) {
      try {
        process.kill(p.pid, 'SIGKILL');
        process.stderr.write(`warning: a process the tests started was still running (ended now): pid ${p.pid}, ${p.ageSeconds} s old: ${p.command}\n`);
      } catch {
        // It ended by itself meanwhile.
      }
    }
    // A tmux server a test forgot: say which, and end it (it is on a test socket, so it is ours).
    const uidDir = join(tmux, `tmux-${process.getuid?.() ?? 0}`);
    for (const socket of existsSync(uidDir) ? readdirSync(uidDir) : []) {
      const path = join(uidDir, socket);
      const alive = execaSync('tmux', ['-S', path, 'list-sessions', '-F', '#{session_name}'], { reject: false, env: { TMUX: '' } });
      if (alive.exitCode === 0) {
        problems.push(`a tmux server is still running on test socket ${socket} (sessions: ${String(alive.stdout).split('\n').join(', ')})`);
        execaSync('tmux', ['-S', path, 'kill-server'], { reject: false, env: { TMUX: '' } });
      }
    }
    const leftBehind = readdirSync(realTmp).filter((n) => OURS.test(n) && !before.has(n));
    for (const n of leftBehind) problems.push(`left behind outside the test sandbox: ${join(realTmp, n)}`);
    rmSync(sandbox, { recursive: true, force: true });
    if (problems.length) throw new Error(`the test run did not clean up after itself:\n${problems.join('\n')}`);
  };
}
