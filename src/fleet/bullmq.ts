import { Job, Queue, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { FleetSpec } from '../config/types.js';
import { PRIORITIES } from '../config/types.js';
import { FencedError, type FleetEngine, type FleetView, type HostStatus, type JobStatus } from './engine.js';
import { jobIdFor, jobPriority, type FleetJob } from './job.js';

/** Where hosts publish their status (outside BullMQ's own keys): one key each, and when each was last seen. */
const HOST_KEY = (host: string) => `agentpool:host:${host}`;
const SEEN_KEY = 'agentpool:hosts';
/** A person cancelled the task of a job a host runs (kept a day). */
const CANCEL_KEY = (id: string) => `agentpool:cancel:${id}`;
/** Where a front door says a job was added (its queue's name), for the hosts that wait for one. */
const ADDED_CHANNEL = 'agentpool:added';

/** Where Redis is: one server, or the primary a set of Sentinels names (fleet.redis, fleet.sentinels). */
export type RedisAt = FleetSpec['redis'];

export interface BullOptions {
  redis: RedisAt;
  /** How long a host holds a job without renewing it (BullMQ's lockDuration). */
  lockMs: number;
  /** How often an expired lock is looked for (BullMQ's stalledInterval). */
  stalledCheckMs: number;
  /** Attempts a job gets before it fails for good (tasks.maxAttempts), and the delay before the first retry. */
  attempts: number;
  backoffMs: number;
}

/**
 * The fleet's queue on BullMQ in manual-fetch mode (FLEET-NOTES.md): a Worker without a processor per queue
 * only fetches (`getNextJob(token, { block: false })`: no blocking connection, which stops silently after a
 * Sentinel failover), every step names the token, and BullMQ's scripts refuse a token that no longer holds
 * the lock. A pause is `queue.rateLimit(ms)`, honoured because every fetching worker has a limiter.
 */
export class BullEngine implements FleetEngine {
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, Worker>();
  private readonly subscribers = new Set<Redis>();

  constructor(private readonly o: BullOptions) {}

  private connection(): Record<string, unknown> {
    // Workers wait out a Redis that is gone (null: retry forever); nothing is queued while it is.
    return { ...this.o.redis, maxRetriesPerRequest: null, enableOfflineQueue: true };
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) this.queues.set(name, (q = new Queue(name, { connection: this.connection() })));
    return q;
  }

  private worker(name: string): Worker {
    let w = this.workers.get(name);
    if (!w) {
      w = new Worker(name, null, {
        connection: this.connection(), autorun: false, lockDuration: this.o.lockMs, stalledInterval: this.o.stalledCheckMs,
        // Any limiter makes fetches honour a queue's rate-limit key: the pause of a usage limit.
        limiter: { max: 1_000_000, duration: 1_000 },
      });
      this.workers.set(name, w);
    }
    return w;
  }

  async add(queue: string, job: FleetJob): Promise<string> {
    const id = jobIdFor(job);
    await this.queue(queue).add(job.task, job, {
      jobId: id, priority: jobPriority(job.priority), attempts: this.o.attempts,
      backoff: { type: 'exponential', delay: this.o.backoffMs }, removeOnComplete: false, removeOnFail: false,
    });
    // The hosts that listen take it now (onAdded); the others at their next look.
    await (await this.redis(queue)).publish(ADDED_CHANNEL, queue).catch(() => 0);
    return id;
  }

  onAdded(fn: (queue: string) => void): () => void {
    // Its own connection: a subscribed one takes no other command. ioredis subscribes again after a reconnect.
    const sub = new Redis(this.connection() as RedisOptions);
    this.subscribers.add(sub);
    sub.on('error', () => {}); // it reconnects by itself; the looks go on meanwhile
    sub.on('message', (channel: string, queue: string) => channel === ADDED_CHANNEL && fn(queue));
    void sub.subscribe(ADDED_CHANNEL).catch(() => {});
    return () => {
      this.subscribers.delete(sub);
      sub.disconnect();
    };
  }

  async take(queue: string, token: string): Promise<{ id: string; job: FleetJob } | null> {
    const job = await this.worker(queue).getNextJob(token, { block: false });
    return job?.id ? { id: job.id, job: job.data as FleetJob } : null;
  }

  async renew(queue: string, id: string, token: string, ms: number): Promise<boolean> {
    const job = await Job.fromId(this.queue(queue), id);
    return !!job && (await job.extendLock(token, ms)) === 1;
  }

  async complete(queue: string, id: string, token: string, result: unknown): Promise<void> {
    await this.fenced(queue, id, (job) => job.moveToCompleted(result, token, false));
  }

  async fail(queue: string, id: string, token: string, reason: string, final = false): Promise<void> {
    // BullMQ retries no job that failed with an error of this name.
    const err = Object.assign(new Error(reason), final ? { name: 'UnrecoverableError' } : {});
    await this.fenced(queue, id, (job) => job.moveToFailed(err, token, false));
  }

  async cancel(queue: string, id: string): Promise<'removed' | 'asked'> {
    const job = await Job.fromId(this.queue(queue), id);
    if (job && (await job.getState()) !== 'active') {
      // Removal is refused for a job a host locked meanwhile: then it is asked, as for a running one.
      if (await job.remove().then(() => true, () => false)) return 'removed';
    }
    await (await this.redis(queue)).set(CANCEL_KEY(id), '1', 'PX', 86_400_000);
    return 'asked';
  }

  async cancelAsked(queue: string, id: string): Promise<boolean> {
    return (await (await this.redis(queue)).get(CANCEL_KEY(id))) !== null;
  }

  async putBack(queue: string, id: string, token: string): Promise<void> {
    await this.fenced(queue, id, (job) => job.moveToWait(token));
  }

  async status(queue: string, id: string): Promise<JobStatus | null> {
    // The state first, then the job: read the other way round, a job that ended between the two reads
    // would be taken for ended without the result its host wrote.
    const state = await this.queue(queue).getJobState(id);
    if (state === 'unknown') return null;
    const job = await Job.fromId(this.queue(queue), id);
    if (!job) return null;
    const attemptsMade = job.attemptsMade;
    if (state === 'completed') return { state, attemptsMade, result: job.returnvalue };
    // BullMQ moves a job with attempts left back to delayed or waiting; failed is for good.
    if (state === 'failed') return { state, attemptsMade, reason: job.failedReason };
    return { state: state === 'active' ? 'active' : 'waiting', attemptsMade };
  }

  async publish(status: HostStatus, ttlMs: number): Promise<void> {
    const redis = await this.redis(status.queues[0]);
    await redis.set(HOST_KEY(status.host), JSON.stringify(status), 'PX', ttlMs);
    await redis.hset(SEEN_KEY, status.host, String(status.at));
  }

  async view(queues: readonly string[]): Promise<FleetView> {
    const redis = await this.redis(queues[0]);
    const seen = await redis.hgetall(SEEN_KEY);
    const hosts = await Promise.all(Object.entries(seen).map(async ([host, at]) => {
      const text = await redis.get(HOST_KEY(host));
      return { host, lastSeen: Number(at), status: text ? (JSON.parse(text) as HostStatus) : null };
    }));
    const all = [...new Set([...queues, ...hosts.flatMap((h) => h.status?.queues ?? [])])].sort();
    return {
      hosts: hosts.sort((a, b) => a.host.localeCompare(b.host, 'en', { numeric: true })),
      queues: await Promise.all(all.map(async (name) => {
        const q = this.queue(name);
        const c = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
        const per = await q.getCountsPerPriority(PRIORITIES.map((p) => jobPriority(p)));
        const ttl = await q.getRateLimitTtl();
        return {
          queue: name, waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, completed: c.completed ?? 0, failed: c.failed ?? 0,
          byPriority: Object.fromEntries(PRIORITIES.map((p) => [p, per[String(jobPriority(p))] ?? 0])) as FleetView['queues'][number]['byPriority'],
          pausedUntil: ttl > 0 ? Date.now() + ttl : null,
        };
      })),
    };
  }

  async pause(queue: string, ms: number): Promise<void> {
    await this.queue(queue).rateLimit(ms);
  }

  watchStalled(queue: string): void {
    void this.worker(queue).startStalledCheckTimer();
  }

  async close(): Promise<void> {
    for (const sub of this.subscribers) sub.disconnect();
    this.subscribers.clear();
    await Promise.all([...this.workers.values()].map((w) => w.close(true)));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }

  /** A plain Redis connection (a queue's): for the hosts' statuses, beside BullMQ's keys. */
  private async redis(queue = 'agentpool'): Promise<Redis> {
    return (await this.queue(queue).getBackend().client) as unknown as Redis;
  }

  /** A step that BullMQ refuses for a lock we do not hold becomes a FencedError. */
  private async fenced(queue: string, id: string, step: (job: Job) => Promise<unknown>): Promise<void> {
    const job = await Job.fromId(this.queue(queue), id);
    if (!job) throw new FencedError(`job ${id} of ${queue} is gone`);
    try {
      await step(job);
    } catch (err) {
      if (/Lock mismatch|Missing lock|not in the active state/i.test((err as Error).message)) throw new FencedError(`${(err as Error).message}: another host has job ${id} now`);
      throw err;
    }
  }
}

