import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../util/atomic.js';
import type { FleetEngine } from './engine.js';
import type { FleetJob } from './job.js';

/** The share of the lock time after which a lock not confirmed is given up (before it expires). */
const SELF_FENCE = 0.75;

/** A job this host holds: written to disk before anything is done for it, so a restarted controller keeps it. */
export interface Lease {
  queue: string;
  id: string;
  token: string;
  job: FleetJob;
  takenAt: number;
}

/**
 * The jobs a host holds and the locks on them (issue 26): a job is taken under a fresh token and its lease
 * written to `<stateDir>/fleet/leases/` before the caller does anything with it; every lease is renewed
 * every third of the lock time; a restarted controller reads the leases back and renews them (it keeps its
 * jobs if it came back within the lock time). A lease whose renewal is refused is lost: another host has
 * the job now, and `onLost` says so, once, for the caller to stop its agent and leave the job to the engine.
 */
export class LeaseKeeper {
  private readonly held = new Map<string, Lease>();
  /** When each lease's lock was last known to be ours (taken, adopted or renewed). */
  private readonly confirmed = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private renewing = false;

  constructor(
    private readonly o: { engine: FleetEngine; stateDir: string; host: string; lockMs: number; onLost: (lease: Lease, why: string) => void },
  ) {}

  private get dir(): string {
    return join(this.o.stateDir, 'fleet', 'leases');
  }

  private file(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /** The jobs held now. */
  leases(): Lease[] {
    return [...this.held.values()];
  }

  /** Takes the next job of `queue` for one free slot, its lease on disk before it is returned; null when none. */
  async take(queue: string, now = Date.now()): Promise<Lease | null> {
    const token = `${this.o.host}:${randomUUID()}`;
    const got = await this.o.engine.take(queue, token);
    if (!got) return null;
    const lease: Lease = { queue, id: got.id, token, job: got.job, takenAt: now };
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeJsonAtomic(this.file(got.id), lease);
    this.held.set(got.id, lease);
    this.confirmed.set(got.id, Date.now());
    return lease;
  }

  /**
   * The leases a controller before this one wrote: each renewed at once. Those still ours are held again
   * (returned); those another host has now are dropped from disk and told to `onLost`.
   */
  async adopt(): Promise<Lease[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const kept: Lease[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const lease = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as Lease;
      if (await this.o.engine.renew(lease.queue, lease.id, lease.token, this.o.lockMs)) {
        this.held.set(lease.id, lease);
        this.confirmed.set(lease.id, Date.now());
        kept.push(lease);
      } else {
        await rm(this.file(lease.id), { force: true });
        this.o.onLost(lease, 'its lock expired while no controller renewed it: another host may have the job');
      }
    }
    return kept;
  }

  /** Renews every lease every third of the lock time, until stop(). */
  start(): void {
    this.timer ??= setInterval(() => void this.renewAll(), Math.max(100, Math.floor(this.o.lockMs / 3)));
  }

  /**
   * Renews every lease; one whose lock could not be confirmed for most of the lock time (Redis does not
   * answer) is given up here before it can expire, so its task is stopped before another host may take the
   * job: never two agents on one task.
   */
  async renewAll(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      for (const lease of [...this.held.values()]) {
        await this.renew(lease.id);
        const since = Date.now() - (this.confirmed.get(lease.id) ?? 0);
        if (this.held.has(lease.id) && since > this.o.lockMs * SELF_FENCE) {
          await this.lose(lease, `its lock could not be renewed for ${Math.round(since / 1000)} s (Redis does not answer): stopped here before it expires and another host takes the job`);
        }
      }
    } finally {
      this.renewing = false;
    }
  }

  /**
   * Renews one lease now: true while the job is ours (asked before a step only its holder may take, such
   * as a push); false when it is lost (told to `onLost`) or Redis did not answer (the lock may still hold:
   * the next renewal asks again).
   */
  async renew(id: string): Promise<boolean> {
    const lease = this.held.get(id);
    if (!lease) return false;
    // A Redis that does not answer holds the call: it counts as no answer after a third of the lock time.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), Math.max(100, Math.floor(this.o.lockMs / 3)));
    });
    const ok = await Promise.race([this.o.engine.renew(lease.queue, lease.id, lease.token, this.o.lockMs).catch(() => null), late]);
    clearTimeout(timer);
    if (ok === true) this.confirmed.set(id, Date.now());
    if (ok === false) await this.lose(lease, 'another host has the job now (its lock was not renewed in time)');
    return ok === true;
  }

  /** Ends a held job with its result; a lost lease is told to `onLost` instead. */
  async finish(id: string, end: { complete: unknown } | { fail: string; final?: boolean } | { putBack: true }): Promise<boolean> {
    const lease = this.held.get(id);
    if (!lease) return false;
    try {
      if ('complete' in end) await this.o.engine.complete(lease.queue, id, lease.token, end.complete);
      else if ('fail' in end) await this.o.engine.fail(lease.queue, id, lease.token, end.fail, end.final ?? false);
      else await this.o.engine.putBack(lease.queue, id, lease.token);
    } catch (err) {
      await this.lose(lease, (err as Error).message);
      return false;
    }
    this.held.delete(id);
    this.confirmed.delete(id);
    await rm(this.file(id), { force: true });
    return true;
  }

  private async lose(lease: Lease, why: string): Promise<void> {
    if (!this.held.delete(lease.id)) return;
    this.confirmed.delete(lease.id);
    await rm(this.file(lease.id), { force: true });
    this.o.onLost(lease, why);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
