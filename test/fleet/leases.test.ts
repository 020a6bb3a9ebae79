/**
 * A host's leases on the fleet's jobs (src/fleet/leases.ts) on a real redis-server: written to disk before
 * the job is used, kept alive, kept across a controller restart within the lock time, and lost (said once)
 * when the host stalled past it and another host took the job.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullEngine } from '../../src/fleet/bullmq.js';
import { LeaseKeeper, type Lease } from '../../src/fleet/leases.js';
import type { FleetJob } from '../../src/fleet/job.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/tmux-server.js';

let redis: TestRedis;
let dir: string;
beforeAll(async () => {
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'agentpool-leases-'));
}, 20_000);
afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const LOCK_MS = 1_500;
const engine = () => new BullEngine({ redis: { host: redis.host, port: redis.port }, lockMs: LOCK_MS, stalledCheckMs: 300, attempts: 3, backoffMs: 100 });
const job = (task: string): FleetJob => ({ task, project: '/src/webapp', priority: 'default', agent: 'claude', model: 'sonnet', text: `${task}\n`, remote: null, baseRef: null, branch: `agentpool/${task}` });
let n = 0;
const fresh = () => `leases${++n}-${Date.now()}`;

describe('a host\'s leases', () => {
  it('writes the lease before the job is used, keeps it alive past the lock time, and a restarted controller keeps the job', async () => {
    const q = fresh();
    const stateDir = join(dir, 'host1');
    const lost: string[] = [];
    const e1 = engine();
    const keeper = new LeaseKeeper({ engine: e1, stateDir, host: 'host1', lockMs: LOCK_MS, onLost: (l) => lost.push(l.id) });
    await e1.add(q, job('webapp/a.md'));
    const lease = (await keeper.take(q))!;
    expect(existsSync(join(stateDir, 'fleet', 'leases', `${lease.id}.json`))).toBe(true);
    expect(lease.token).toMatch(/^host1:/);
    keeper.start();
    // Held for twice the lock time while another host watches for stalled jobs: it never gets it.
    const other = engine();
    other.watchStalled(q);
    const until = Date.now() + 2 * LOCK_MS;
    await waitFor(async () => {
      expect(await other.take(q, 'other')).toBeNull();
      return Date.now() > until;
    }, { timeoutMs: 10_000, intervalMs: 200, what: 'two lock times passing' });
    keeper.stop();
    await e1.close(); // the controller dies

    const e2 = engine();
    const again = new LeaseKeeper({ engine: e2, stateDir, host: 'host1', lockMs: LOCK_MS, onLost: (l) => lost.push(l.id) });
    expect((await again.adopt()).map((l) => l.id)).toEqual([lease.id]);
    expect(await again.finish(lease.id, { complete: { outcome: 'done' } })).toBe(true);
    expect(existsSync(join(stateDir, 'fleet', 'leases', `${lease.id}.json`))).toBe(false);
    expect(lost).toEqual([]);
    await Promise.all([e2.close(), other.close()]);
  }, 30_000);

  it('loses, and says once, a job whose host stalled past its lock while another host took it; its result is refused', async () => {
    const q = fresh();
    const stateDir = join(dir, 'host2');
    const lost: Array<[string, string]> = [];
    const stalled = engine();
    const keeper = new LeaseKeeper({ engine: stalled, stateDir, host: 'host2', lockMs: LOCK_MS, onLost: (l: Lease, why) => lost.push([l.id, why]) });
    await stalled.add(q, job('webapp/b.md'));
    const lease = (await keeper.take(q))!;
    // No renewal (SIGSTOP): the other host's stalled check gives it the job.
    const other = engine();
    other.watchStalled(q);
    await waitFor(async () => (await other.take(q, 'other-b')) !== null, { timeoutMs: 15_000, intervalMs: 200, what: 'the other host taking the job' });
    // SIGCONT: the next renewal finds the lock gone.
    await keeper.renewAll();
    expect(lost).toEqual([[lease.id, expect.stringMatching(/another host has the job now/)]]);
    expect(await keeper.finish(lease.id, { complete: { outcome: 'done' } })).toBe(false);
    await keeper.renewAll();
    expect(lost).toHaveLength(1);
    expect(existsSync(join(stateDir, 'fleet', 'leases', `${lease.id}.json`))).toBe(false);
    await Promise.all([stalled.close(), other.close()]);
  }, 30_000);
});
