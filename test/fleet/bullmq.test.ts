/**
 * The fleet's queue on a real redis-server (issue 26, the engine): what the hosts and the front door rely
 * on, each asserted against BullMQ itself. Two engines stand for two hosts (their own connections).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullEngine } from '../../src/fleet/bullmq.js';
import { FencedError } from '../../src/fleet/engine.js';
import { jobIdFor, type FleetJob } from '../../src/fleet/job.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/tmux-server.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
}, 20_000);
afterAll(async () => {
  await redis?.stop();
});

const engine = (lockMs = 5_000) => new BullEngine({ redis: { host: redis.host, port: redis.port }, lockMs, stalledCheckMs: 500, attempts: 3, backoffMs: 100 });
const job = (task: string, o: Partial<FleetJob> = {}): FleetJob => ({
  task, project: '/src/webapp', priority: 'default', agent: 'claude', model: 'sonnet', text: `Task ${task}.\n`, remote: null, baseRef: null, branch: `agentpool/${task}`, ...o,
});
let n = 0;
const fresh = () => `q${++n}-${Date.now()}`;

describe('the fleet queue on BullMQ', () => {
  it('adds a task once however often it is added, and gives it to one host only, highest priority first', async () => {
    const [front, host1, host2] = [engine(), engine(), engine()];
    const q = fresh();
    try {
      const id = await front.add(q, job('webapp/a.md'));
      expect(await front.add(q, job('webapp/a.md'))).toBe(id);
      expect(id).toBe(jobIdFor(job('webapp/a.md')));
      await front.add(q, job('webapp/urgent.md', { priority: 'critical' }));
      expect((await host1.take(q, 'host1-1'))?.job.task).toBe('webapp/urgent.md');
      expect((await host2.take(q, 'host2-1'))?.job).toEqual(job('webapp/a.md'));
      expect(await host1.take(q, 'host1-2')).toBeNull();
    } finally {
      await Promise.all([front.close(), host1.close(), host2.close()]);
    }
  });

  it('tells every listening host the queue a job was added to, as it is added (so it takes it at once)', async () => {
    const [front, host1, host2] = [engine(), engine(), engine()];
    const q = fresh();
    const heard: string[][] = [[], []];
    try {
      const stops = [host1, host2].map((h, i) => h.onAdded((queue) => heard[i]!.push(queue)));
      // Subscribed once Redis answers the subscription: a job added before that is found by a look.
      await waitFor(async () => {
        await front.add(`${q}-probe`, job('webapp/probe.md'));
        return heard.every((h) => h.includes(`${q}-probe`));
      }, { what: 'both hosts subscribed' });
      await front.add(q, job('webapp/c.md'));
      await waitFor(async () => heard.every((h) => h.includes(q)), { what: 'both hosts told' });
      expect((await host1.take(q, 'host1-c'))?.job.task).toBe('webapp/c.md');
      stops[0]!();
      await front.add(q, job('webapp/d.md'));
      await waitFor(async () => heard[1]!.filter((x) => x === q).length === 2, { what: 'the second host told again' });
      expect(heard[0]!.filter((x) => x === q)).toEqual([q]);
    } finally {
      await Promise.all([front.close(), host1.close(), host2.close()]);
    }
  });

  it('lets a restarted host keep its job by the token it saved, and refuses every step under another token', async () => {
    const q = fresh();
    const first = engine();
    await first.add(q, job('webapp/b.md'));
    const taken = (await first.take(q, 'host1-saved'))!;
    await first.close(); // the controller dies; {id, token} are on its disk
    const again = engine();
    try {
      expect(await again.renew(q, taken.id, 'host1-saved', 5_000)).toBe(true);
      expect(await again.renew(q, taken.id, 'someone-else', 5_000)).toBe(false);
      await expect(again.complete(q, taken.id, 'someone-else', { outcome: 'done' })).rejects.toBeInstanceOf(FencedError);
      await again.complete(q, taken.id, 'host1-saved', { outcome: 'done' });
      await expect(again.complete(q, taken.id, 'host1-saved', { outcome: 'done' })).rejects.toBeInstanceOf(FencedError);
    } finally {
      await again.close();
    }
  });

  it('gives the job of a host that stalled past its lock to another host, and refuses the stalled host\'s result', async () => {
    const q = fresh();
    const [stalled, other] = [engine(1_000), engine(1_000)];
    try {
      await stalled.add(q, job('webapp/c.md'));
      const taken = (await stalled.take(q, 'stalled-1'))!;
      other.watchStalled(q);
      let retaken: Awaited<ReturnType<BullEngine['take']>> = null;
      await waitFor(async () => (retaken = await other.take(q, 'other-1')) !== null, { timeoutMs: 15_000, intervalMs: 200, what: 'the stalled job taken by the other host' });
      expect(retaken!.id).toBe(taken.id);
      await expect(stalled.complete(q, taken.id, 'stalled-1', { outcome: 'done' })).rejects.toBeInstanceOf(FencedError);
      expect(await stalled.renew(q, taken.id, 'stalled-1', 1_000)).toBe(false);
      await other.complete(q, taken.id, 'other-1', { outcome: 'done', host: 'other' });
    } finally {
      await Promise.all([stalled.close(), other.close()]);
    }
  }, 30_000);

  it('pauses a queue fleet-wide until a usage limit resets, and puts its job back without spending an attempt', async () => {
    const [q, other] = [fresh(), fresh()];
    const [host1, host2] = [engine(), engine()];
    try {
      await host1.add(q, job('webapp/d.md'));
      await host1.add(other, job('webapp/e.md', { agent: 'codex' }));
      const taken = (await host1.take(q, 'host1-d'))!;
      await host1.putBack(q, taken.id, 'host1-d');
      await host1.pause(q, 1_500);
      expect(await host2.take(q, 'host2-d')).toBeNull();
      expect((await host2.take(other, 'host2-e'))?.job.task).toBe('webapp/e.md');
      let back: Awaited<ReturnType<BullEngine['take']>> = null;
      await waitFor(async () => (back = await host2.take(q, 'host2-d2')) !== null, { timeoutMs: 10_000, intervalMs: 200, what: 'the queue taking jobs again after the reset' });
      expect(back!.id).toBe(taken.id);
    } finally {
      await Promise.all([host1.close(), host2.close()]);
    }
  }, 20_000);
});
