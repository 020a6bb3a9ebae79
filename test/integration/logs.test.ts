/** agentpool logs against a real controller and the fake agent: saved attempt output, the live pane, -f. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, quickPoolEnv, REPO_ROOT, type PoolEnv } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

describe('agentpool logs', () => {
  it('prints a task\'s transitions and each attempt\'s pane output, and follows a task at work until it ends', async () => {
    env = await quickPoolEnv(1, 3000);
    const c = env.startController();
    await dropTask(env.project, 'first.md', 'The first task.\n');
    await c.waitForLine((l) => l.msg === 'submitted task', 'first.md at work');

    // Followed from while it works to its end: the lines the agent printed later arrive too.
    const follow = await execa(process.execPath, [join(REPO_ROOT, 'bin/agentpool.js'), 'logs', 'first.md', '-f', '--config', env.configFile], { reject: false, cwd: REPO_ROOT, timeout: 30_000 });
    expect(follow.exitCode, follow.stderr).toBe(0);
    expect(follow.stdout).toMatch(/==> attempt 1 in ccl-auto-1, at work now\n/);
    expect(follow.stdout).toContain('> [first.md] The first task.');
    expect(follow.stdout).toContain('● Done: [first.md] The first task.');
    expect(follow.stdout.match(/Welcome to Fake Agent/g)).toHaveLength(1);
    expect(follow.stdout.trimEnd().split('\n').at(-1)).toBe('==> first.md left ccl-auto-1');

    await waitFor(() => existsSync(join(env!.project, '.agent-queue', 'done', 'first.md')), { timeoutMs: 15_000, what: 'first.md done' });
    const r = await env.agentpool('logs', 'first.md');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/==> controller: first\.md\n.*ccl-auto-1  idle → launching \(CLAIMED\)  first\.md/);
    expect(r.stdout).toMatch(/working → stopping \(AGENT_ENDED\)  first\.md  the agent finished its turn/);
    const { claimedAt } = JSON.parse(await readFile(join(env.project, '.agent-queue', 'done', 'first.md.result.json'), 'utf8')) as { claimedAt: number };
    const log = join(env.dir, 'state', 'logs', 'project', `first.md.attempt-1.${claimedAt}.log`);
    expect(r.stdout).toContain(`==> attempt 1 in ccl-auto-1 (done): ${log}\n`);
    expect(r.stdout).toContain('● Done: [first.md] The first task.');
    // The saved screen is the attempt's end: the answer and the prompt, not a spinner still turning.
    const saved = await readFile(log, 'utf8');
    expect(saved).toContain('● Done: [first.md] The first task.');
    expect(saved).not.toContain('Working…');

    const s = await env.agentpool('logs', 'ccl-auto-1');
    expect(s.stdout).toMatch(/==> controller: ccl-auto-1\n.*absent → idle \(CREATED\)/);
    expect((await env.agentpool('logs', 'nothing.md')).stderr).toMatch(/no task "nothing.md"/);
  }, 60_000);
});
