/**
 * `agentpool down` ends a running pool: the controller, every agent (asked to exit first), every session
 * and the tmux server; no task file is lost, and the pool started again does them all.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, type PoolEnv } from '../helpers/pool-env.js';
import { processesWith } from '../helpers/processes.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

describe('agentpool down', () => {
  it('stops the controller, asks each agent to exit, ends the sessions and the server; the tasks wait and run at the next start', async () => {
    env = await createPoolEnv({ size: 3 });
    // Marks this test's agents, to find any that outlive the pool.
    const mark = `AGENTPOOL_DOWN_TEST=${process.pid}-${Date.now()}`;
    await env.writeConfig({
      // Two agents at work, the third warm at its prompt.
      pool: { agent: 'slow', prewarm: 1, cooldown: { afterTask: '0ms' } },
      agents: { slow: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: '60000', AGENTPOOL_DOWN_TEST: mark.split('=')[1]! } } },
    });
    for (const name of ['a.md', 'b.md']) await dropTask(env.project, name, `Task ${name}\n`);
    const queue = (dir: string) => readdir(join(env!.project, '.agent-queue', dir)).then((n) => n.filter((f) => f.endsWith('.md')).sort(), () => []);
    const c = env.startController();
    await waitFor(() => c.lines.filter((l) => l.msg === 'submitted task').length === 2 && c.lines.some((l) => l.msg === 'transition' && l.to === 'ready'), { timeoutMs: 30_000, what: 'two agents working, one ready' });
    // The agents themselves (each in its sandbox: bubblewrap and a shell around it carry the mark too).
    expect(processesWith(mark).filter((p) => /^\S*node /.test(p.command))).toHaveLength(3);

    const down = await env.agentpool('down');
    expect(down.exitCode, down.all).toBe(0);
    // The ready agent took its exit command; the working ones, mid-turn, got their terminal's hangup.
    expect(down.stdout).toMatch(/^stopped the controller \(pid \d+\)\nended 3 sessions \(ccl-auto-1, ccl-auto-2, ccl-auto-3\); 1 agent exited when asked\nended the tmux server \(tmux -L \S+\)\n2 tasks go back to the queue when the pool starts again: a\.md, b\.md$/);
    await waitFor(() => c.exited() !== null, { what: 'the controller gone' });
    expect(processesWith(mark)).toEqual([]);
    expect((await env.tmux.tryRun('list-sessions')).exitCode).not.toBe(0);
    // Nothing was lost: both tasks are where their agents left them.
    expect([await queue('active'), await queue('inbox'), await queue('done'), await queue('failed')]).toEqual([['a.md', 'b.md'], [], [], []]);
    expect((await env.agentpool('down')).stdout).toMatch(/^nothing to stop: no controller runs for .* and the pool has no session\n2 tasks go back to the queue when the pool starts again: a\.md, b\.md$/);

    await env.writeConfig({ agents: { slow: { env: { FAKE_AGENT_WORK_MS: '50' } } } });
    const again = env.startController();
    await waitFor(async () => (await queue('done')).length === 2, { timeoutMs: 30_000, what: 'both done after the restart' });
    expect(await queue('failed')).toEqual([]);
    expect(existsSync(join(env.project, '.agent-queue', 'active', 'a.md'))).toBe(false);
    await again.stop();
  }, 90_000);
});
