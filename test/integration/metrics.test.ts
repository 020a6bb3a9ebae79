/** controller.metrics against a real controller: the Prometheus series after a few tasks, on loopback. */
import { freePort } from '../helpers/ports.js';
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

/** The value of one series in a Prometheus text exposition, or null. */
function value(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

describe('controller.metrics', () => {
  it('serves sessions by state, queue depth, waiting tasks, dispatch latency, finished tasks, transitions, passes and reloads', async () => {
    const port = await freePort();
    env = await quickPoolEnv(2, 200, { controller: { metrics: `:${port}` } });
    for (const n of ['a', 'b', 'c']) await dropTask(env.project, `${n}.md`, `${n}.\n`);
    // Two that wait: one for tomorrow, one for that one.
    await dropTask(env.project, 'tomorrow.md', `---\nnot_before: ${new Date(Date.now() + 86_400_000).toISOString()}\n---\nLater.\n`);
    await dropTask(env.project, 'then.md', '---\nafter: [tomorrow.md]\n---\nThen.\n');
    const c = env.startController();
    const served = await c.waitForLine((l) => l.msg === 'serving metrics', 'the metrics server');
    expect(served.url).toBe(`http://127.0.0.1:${port}/metrics`);
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    await waitFor(async () => value(await scrape(), 'agentpool_tasks_finished_total{outcome="done"}') === 3, { timeoutMs: 30_000, what: '3 done tasks in the metrics' });
    await env.writeConfig({ pool: { size: 2, cooldown: { afterTask: '1ms' } } });
    await c.waitForLine((l) => l.msg === 'config reloaded', 'the reload');

    const text = await scrape();
    expect(value(text, 'agentpool_dispatch_latency_seconds_count')).toBe(3);
    expect(value(text, 'agentpool_task_attempts_count')).toBe(3);
    expect(value(text, 'agentpool_tasks_finished_total{outcome="failed"}')).toBe(0);
    expect(value(text, 'agentpool_queue_depth{project="project",priority="default"}')).toBe(2);
    expect(['after', 'limit', 'not-before', 'retry'].map((r) => value(text, `agentpool_tasks_waiting{project="project",reason="${r}"}`))).toEqual([1, 0, 1, 0]);
    expect(value(text, 'agentpool_transitions_total{from="working",to="stopping"}')).toBe(3);
    expect(value(text, 'agentpool_config_reloads_total{result="ok"}')).toBe(1);
    expect(value(text, 'agentpool_pass_duration_seconds_count')).toBeGreaterThan(0);
    const states = ['absent', 'idle', 'launching', 'awaiting-prompt', 'working', 'stopping', 'cooldown'].map((s) => value(text, `agentpool_sessions{state="${s}"}`));
    expect(states.every((n) => n !== null)).toBe(true);
    expect(states.reduce((a, b) => a! + b!, 0)).toBe(2);
    expect(text).toContain('agentpool_process_resident_memory_bytes');
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);

    // A reload that moves the metrics moves the server: the new port answers, the old one is closed.
    const moved = await freePort();
    await env.writeConfig({ controller: { metrics: `:${moved}` } });
    await c.waitForLine((l) => l.msg === 'serving metrics' && l.url === `http://127.0.0.1:${moved}/metrics`, 'the metrics on the new port');
    expect(value(await (await fetch(`http://127.0.0.1:${moved}/metrics`)).text(), 'agentpool_config_reloads_total{result="ok"}')).toBe(2);
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});
