import type { Priority } from '../config/types.js';
import type { FleetJob } from './job.js';

/**
 * The fleet's queue, as agentpool uses it: the seam that BullMQ (bullmq.ts) implements and that another
 * engine could. A host takes a job only for a free slot, under a lock token it chose and keeps on disk, so
 * a restarted controller renews the same lock; a host whose lock expired (it stalled) has its completion
 * refused, and another host takes the job.
 */
export interface FleetEngine {
  /** Adds the job unless one with its id is there (then it is that one); its id. */
  add(queue: string, job: FleetJob): Promise<string>;
  /** The next job of `queue` for one free slot, locked under `token`, or null (none, or the queue is paused). */
  take(queue: string, token: string): Promise<{ id: string; job: FleetJob } | null>;
  /** Extends the lock; false when it is not ours any more (it expired, another host took the job). */
  renew(queue: string, id: string, token: string, ms: number): Promise<boolean>;
  /** Ends the job with its result; throws FencedError when the lock is not ours. */
  complete(queue: string, id: string, token: string, result: unknown): Promise<void>;
  /**
   * Ends the attempt as failed: the engine retries it while it has attempts, unless `final` (a cancel);
   * throws FencedError when the lock is not ours.
   */
  fail(queue: string, id: string, token: string, reason: string, final?: boolean): Promise<void>;
  /** Puts the job back for any host without spending an attempt (a usage limit); throws FencedError when not ours. */
  putBack(queue: string, id: string, token: string): Promise<void>;
  /**
   * Where the job is now, for the front door that added it: still to run (`waiting`: queued, delayed for a
   * retry or a pause, or `active` on a host), ended (`completed` with the host's result, or `failed` for
   * good, with the last attempt's reason), or null: the queue does not know it (lost in a failover).
   */
  status(queue: string, id: string): Promise<JobStatus | null>;
  /**
   * A person cancels the job's task: a job no host took yet is removed (`removed`); one a host runs is
   * marked (`asked`), and that host stops its agent and fails it for good.
   */
  cancel(queue: string, id: string): Promise<'removed' | 'asked'>;
  /** Whether the job's task was cancelled while a host ran it (asked by that host). */
  cancelAsked(queue: string, id: string): Promise<boolean>;
  /** This host's status, kept `ttlMs` (a host that stops publishing is gone once it expires). */
  publish(status: HostStatus, ttlMs: number): Promise<void>;
  /** Every host that ever published (its status, or null once gone) and how many jobs each of `queues` holds. */
  view(queues: readonly string[]): Promise<FleetView>;
  /** No host takes a job of `queue` for `ms` (a usage limit until its reset): the pause ends by itself. */
  pause(queue: string, ms: number): Promise<void>;
  /**
   * From now on, jobs of `queue` whose lock expired (their host is gone or stalled) go back to the queue for
   * another host, within about the lock time plus the check interval.
   */
  watchStalled(queue: string): void;
  /**
   * Calls `fn` with a queue's name soon after a job is added to it, by any front door: a host takes it
   * then instead of at its next look. Best effort (a message missed while Redis fails over is found by
   * the next look); returns how to stop.
   */
  onAdded(fn: (queue: string) => void): () => void;
  close(): Promise<void>;
}

/** What a controller of the fleet says of itself every few seconds (`agentpool status --fleet`). */
export interface HostStatus {
  host: string;
  role: 'front-door' | 'host' | 'both';
  at: number;
  /** The queues it takes jobs from (a front door alone: none). */
  queues: string[];
  slots: Array<{ session: string; state: string; task: string | null }>;
  /** The jobs it holds now. */
  jobs: number;
}

export interface FleetView {
  hosts: Array<{ host: string; lastSeen: number; status: HostStatus | null }>;
  queues: Array<{
    queue: string; waiting: number; active: number; delayed: number; completed: number; failed: number;
    /** Waiting jobs by priority. */
    byPriority: Record<Priority, number>;
    /** Until when a usage limit pauses it (epoch ms), or null. */
    pausedUntil: number | null;
  }>;
}

export type JobStatus =
  | { state: 'waiting' | 'active'; attemptsMade: number }
  | { state: 'completed'; attemptsMade: number; result: unknown }
  | { state: 'failed'; attemptsMade: number; reason: string };

/** A host's step on a job whose lock it no longer holds: refused, and the job is left to the engine. */
export class FencedError extends Error {
  override readonly name = 'FencedError';
}
