/** agentpool describe against a real controller: a session's transitions and conditions, a task's times and attempts. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, quickPoolEnv, type PoolEnv } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

describe('agentpool describe', () => {
  it('shows a session\'s recent transitions and conditions, and a task\'s times, attempts and result', async () => {
    env = await quickPoolEnv(1, 200);
    await dropTask(env.project, 'a.md', '---\npriority: high\n---\nDo A.\n');
    const c = env.startController();
    await waitFor(() => existsSync(join(env!.project, '.agent-queue', 'done', 'a.md')), { timeoutMs: 20_000, what: 'a.md done' });
    await c.waitForLine((l) => l.msg === 'transition' && l.to === 'idle' && l.event === 'timer', 'the slot idle again');
    await waitFor(async () => /State: +idle/.test((await env!.agentpool('describe', 'session', 'ccl-auto-1')).stdout), { timeoutMs: 10_000, what: 'an idle session in the status' });

    const s = await env.agentpool('describe', 'session', 'ccl-auto-1');
    expect(s.exitCode, s.stderr).toBe(0);
    const steps = s.stdout.split('Transitions (oldest first):')[1]!.split('\n').slice(2).filter(Boolean).map((l) => l.trim().split(/\s+/).slice(1, 4).join(' '));
    expect(steps).toEqual([
      'absent idle CREATED', 'idle launching CLAIMED', 'launching awaiting-prompt LAUNCHED', 'awaiting-prompt working SUBMITTED',
      'working stopping AGENT_ENDED', 'stopping cooldown STOPPED', 'cooldown idle timer',
    ]);
    expect(s.stdout).toMatch(/Ready +True +Idle/);

    const t = await env.agentpool('describe', 'task', 'a.md');
    expect(t.exitCode, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/State: +done/);
    expect(t.stdout).toMatch(/Priority: +high/);
    expect(t.stdout).toMatch(/Result: +done: the agent finished its turn/);
    for (const step of ['arrived', 'claimed', 'launched', 'took the prompt', 'finished']) expect(t.stdout).toContain(`  ${step} `);
    expect(t.stdout).toMatch(/\n {2}1 +ccl-auto-1 +done /);
    expect(t.stdout).toMatch(/Finished +True +Done/);

    const j = JSON.parse((await env.agentpool('describe', 'task', 'a.md', '-o', 'json')).stdout);
    expect(j.record).toMatchObject({ outcome: 'done', attempts: 1, session: 'ccl-auto-1' });
    expect(j.transitions.map((x: { event: string }) => x.event)).toEqual(['CLAIMED', 'LAUNCHED', 'SUBMITTED', 'AGENT_ENDED']);
    // A restarted controller goes on from the journal the last one wrote: the task's story is still told.
    await c.stop();
    const again = env.startController();
    await again.waitForLine((l) => l.msg === 'controller started', 'the restart');
    await waitFor(async () => JSON.parse((await env!.agentpool('status', '-o', 'json')).stdout).controller?.pid === again.pid, { what: 'the new controller\'s status' });
    const told = JSON.parse((await env.agentpool('describe', 'task', 'a.md', '-o', 'json')).stdout);
    expect(told.transitions.map((x: { event: string }) => x.event)).toEqual(['CLAIMED', 'LAUNCHED', 'SUBMITTED', 'AGENT_ENDED']);
    const missing = await env.agentpool('describe', 'session', 'ccl-auto-9');
    expect([missing.exitCode, missing.stderr]).toEqual([2, 'agentpool: no session ccl-auto-9 in the controller\'s last status (sessions: ccl-auto-1)']);
  });
});
