/**
 * `agentpool demo` as the README tells a new user to run it, from a shell inside their own tmux (TMUX and
 * TMUX_PANE set): every task done, and every one of the demo's three sessions did some of the work.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, REPO_ROOT, type LogLine } from '../helpers/pool-env.js';
import { shellEnvIn, testTmux, uniqueSocket, type TestTmux } from '../helpers/tmux-server.js';

const cleanups: Array<() => Promise<void>> = [];
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('agentpool demo', () => {
  it('runs all 12 tasks on all three sessions when started from a pane of the user\'s tmux', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agentpool-demo-test-'));
    const user: TestTmux = testTmux();
    const pool = testTmux(uniqueSocket());
    cleanups.push(async () => {
      await user.kill();
      await pool.kill();
      await rm(dir, { recursive: true, force: true });
    });
    // The shell the user types `npm run demo` into: TMUX and TMUX_PANE as tmux sets them.
    const { TMUX, TMUX_PANE } = await shellEnvIn(user, 'me', dir);

    const r = await execa('node', [join(REPO_ROOT, 'bin/agentpool.js'), 'demo', '--log-format', 'json'], {
      cwd: REPO_ROOT,
      reject: false,
      timeout: 90_000,
      env: { TMUX, TMUX_PANE, AGENTPOOL_DEMO_SOCKET: pool.socket },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/demo finished: 12 done, 0 failed of 12/);
    // It ended the server it started, and only that one.
    expect((await pool.tryRun('list-sessions')).exitCode, 'the demo\'s own server is gone').not.toBe(0);
    expect(await user.run('list-sessions', '-F', '#{session_name}')).toBe('me');
    // webapp runs in worktrees: each of its six tasks on its own branch, with what it changed.
    const branches = r.stdout.split('\n').filter((l) => l.startsWith('  agentpool/'));
    expect(branches.map((l) => l.trim().split(/\s+/)[0]).sort()).toEqual(
      ['a11y-labels', 'bump-deps', 'dark-mode-toggle', 'fix-login-redirect', 'flaky-checkout-test', 'readme-typos'].map((t) => `agentpool/${t}`),
    );
    expect(branches.find((l) => l.includes('fix-login-redirect'))).toMatch(/2 files, \+2 -0 +done: fix-login-redirect\.md$/);
    // What they cost, from the transcripts the fake agents wrote (Claude's format, 1,200 input, 300 output,
    // 2,000 1-hour cache writes and 8,000 cache reads a turn): five sonnet tasks and one opus (critical) each.
    expect(r.stdout).toMatch(/^api +6 +0 +7,200 +1,800 +12,000 +48,000 +\$0\.1500$/m);
    expect(r.stdout).toMatch(/^webapp +6 +0 +7,200 +1,800 +12,000 +48,000 +\$0\.1500$/m);
    expect(r.stdout).toMatch(/^total +12 +0 +14,400 +3,600 +24,000 +96,000 +\$0\.3000$/m);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
    const bySession = new Map<string, number>();
    for (const l of lines.filter((l) => l.msg === 'task done')) bySession.set(l.session as string, (bySession.get(l.session as string) ?? 0) + 1);
    expect([...bySession.keys()].sort(), 'every demo session ran tasks').toEqual(['demo-1', 'demo-2', 'demo-3']);
    expect(lines.filter((l) => (l.level ?? 0) >= 40).map((l) => l.msg)).toEqual([]);
    expect(lines.filter((l) => l.msg === 'transition' && l.event === 'VANISHED')).toEqual([]);
    // Its workspace went with it, and nothing it printed names a file of it.
    const workspace = lines.find((l) => l.workspace)!.workspace as string;
    expect(existsSync(workspace)).toBe(false);
    expect(r.stdout.split('\n').filter((l) => !l.startsWith('{')).join('\n')).not.toContain(workspace);
    expect(r.stdout).toContain("the demo's workspace is removed; npm run demo -- --keep keeps the pool running and the files to look at");
  }, 120_000);

  it('--fleet: a local Redis, a front door and three hosts do all 12 tasks, each on a host, its branch on its project\'s remote', async () => {
    const socket = uniqueSocket();
    const servers = ['door', 'host-1', 'host-2', 'host-3'].map((s) => testTmux(`${socket}-${s}`));
    cleanups.push(async () => {
      for (const s of servers) await s.kill();
    });
    const r = await execa('node', [join(REPO_ROOT, 'bin/agentpool.js'), 'demo', '--fleet', '--log-format', 'json'], {
      cwd: REPO_ROOT, reject: false, timeout: 90_000, env: { AGENTPOOL_DEMO_SOCKET: socket },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/demo finished: 12 done, 0 failed of 12, across 3 hosts/);
    const rows = r.stdout.split('\n').filter((l) => /^  (webapp|api)\//.test(l)).map((l) => l.trim().split(/\s+/));
    expect(rows).toHaveLength(12);
    for (const [task, host, branch] of rows) {
      expect(host, task).toMatch(/^host-[123]$/);
      expect(branch).toBe(`agentpool/${task!.split('/')[1]!.replace(/\.md$/, '')}`);
    }
    expect(new Set(rows.map((row) => row[1])).size, 'every host ran tasks').toBe(3);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
    expect(lines.filter((l) => (l.level ?? 0) >= 40).map((l) => l.msg)).toEqual([]);
    // It ended the servers it started.
    for (const s of servers) expect((await s.tryRun('list-sessions')).exitCode, s.socket).not.toBe(0);
  }, 120_000);
});
