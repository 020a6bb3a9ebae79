import { readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { Logger } from 'pino';
import type { DesiredState } from '../config/types.js';
import { branchLeaf } from '../git/worktree.js';
import { queueDirs } from '../tasks/layout.js';
import { frontMatterOf, parseTask } from '../tasks/parse.js';
import { readActive, readResult } from '../tasks/store.js';
import { gitMaybe } from '../util/git.js';
import type { ResultRecord } from '../tasks/types.js';
import { exists } from '../util/fs.js';
import { ensureCheckout, pushBranch, startOf } from './checkout.js';
import type { FleetEngine } from './engine.js';
import type { FleetResult } from './front-door.js';
import { queueName } from './job.js';
import { LeaseKeeper, type Lease } from './leases.js';
import { checkoutsDir } from './overlay.js';

/**
 * A host of a fleet (issue 26): it takes a job from the fleet's queue for each free slot of its pool, and
 * runs it as a task of its own clone of the job's project, so the attempt is exactly today's (claim,
 * worktree, agent, record). Its lease is on disk before anything else; the task file it writes names the
 * commit to start from (the branch a previous attempt pushed, so the work resumes) and is named after the
 * lease, so a task always knows its job. When the attempt ends, the controller (never the agent) pushes
 * the task's branch to the remote, then completes or fails the job under its lock; a task whose job this
 * host no longer holds (its lock expired and another host took it) is cancelled here, its work pushed if
 * the remote takes it, and the job left to the queue.
 */
export class FleetHost {
  readonly leases: LeaseKeeper;
  private ticking = false;
  private again = false;
  private stopped = false;
  /** Local tasks already asked to stop (their job is not ours), and the replies nobody waits for. */
  private readonly cancelled = new Set<string>();
  private readonly replies = new Set<string>();
  /** Jobs whose task a person cancelled: their local task is being stopped, and the job fails for good. */
  private readonly cancelling = new Set<string>();
  /** What this host last pushed of each job's branch, and when it last looked (work in progress, WIP_EVERY_MS). */
  private readonly pushed = new Map<string, { head: string | null; at: number }>();

  constructor(
    private readonly o: {
      engine: FleetEngine; stateDir: string; host: string; lockMs: number; log: Logger;
      /** The controller made a clone: it runs its queue from now on. */
      checkoutsChanged: () => Promise<void>;
      /** Asks the controller to cancel a task (its request path: it stays the only writer); the reply's file. */
      cancel: (path: string) => Promise<string>;
      /** The pool's slots that would take a task now (idle or with a warm agent; not cooling down, cordoned or draining). */
      freeSlots: () => number;
    },
  ) {
    this.leases = new LeaseKeeper({
      engine: o.engine, stateDir: o.stateDir, host: o.host, lockMs: o.lockMs,
      onLost: (lease, why) => {
        o.log.warn({ job: lease.id, task: lease.job.task, why }, 'lost a fleet job: its task is stopped here and left to the queue');
        // At once, not at the next look (which may wait for a Redis that does not answer).
        void this.stopLocal(lease).catch((err: Error) => o.log.warn({ job: lease.id, err: err.message }, 'could not stop the task of a lost fleet job; trying again'));
      },
    });
  }

  /** Keeps the jobs a controller before this one held (their agents are adopted as any other), and renews them from now on. */
  async start(queues: readonly string[]): Promise<void> {
    const kept = await this.leases.adopt();
    if (kept.length) this.o.log.info({ jobs: kept.map((l) => l.id) }, 'kept the fleet jobs this host held');
    for (const q of queues) this.o.engine.watchStalled(q);
    this.leases.start();
  }

  /**
   * One look: ended tasks pushed and their jobs finished, tasks without a job stopped, free slots given jobs.
   * `asked`: a job was just added (onAdded); asked while a look runs, one more look follows it (the timer's
   * looks do not queue up behind a slow one).
   */
  async tick(desired: () => DesiredState, asked = false): Promise<void> {
    if (this.ticking) {
      if (asked) this.again = true;
      return;
    }
    this.ticking = true;
    try {
      do {
        this.again = false;
        await this.look(desired());
      } while (this.again && !this.stopped);
    } finally {
      this.ticking = false;
    }
  }

  private async look(d: DesiredState): Promise<void> {
    let waiting = 0;
    for (const lease of this.leases.leases()) {
      const where = await this.follow(lease).catch((err: Error) => this.o.log.warn({ job: lease.id, err: err.message }, 'could not settle a fleet job; trying again'));
      if (where === 'waiting') waiting++;
    }
    await this.stopOrphans(d);
    // A job only for a slot that would take it now, less the jobs already waiting here for one.
    let free = this.o.freeSlots() - waiting;
    for (const queue of queuesOf(d)) {
      while (free > 0) {
        const lease = await this.leases.take(queue);
        if (!lease) break;
        free--;
        waiting++;
        await this.materialize(lease).catch(async (err: Error) => {
          this.o.log.error({ job: lease.id, task: lease.job.task, err: err.message }, 'cannot run a fleet job here');
          await this.leases.finish(lease.id, { fail: `on host ${this.o.host}: ${err.message}` });
        });
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.leases.stop();
  }

  /** The queue folders of the clone a lease's task runs in. */
  private queueOf(lease: Lease): ReturnType<typeof queueDirs> {
    return queueDirs(join(checkoutsDir(this.o.stateDir), lease.job.project, '.agent-queue', 'inbox'));
  }

  /**
   * Where the lease's task is here, and what follows from it; `waiting` when it waits for a slot. Writes it
   * when it is nowhere (a controller died between the lease and the file).
   */
  private async follow(lease: Lease): Promise<'waiting' | void> {
    const dirs = this.queueOf(lease);
    const name = localName(lease);
    for (const [dir, outcome] of [[dirs.done, 'done'], [dirs.failed, 'failed']] as const) {
      const record = await readResult(join(dir, name));
      if (record && (await exists(join(dir, name)))) return this.settle(lease, outcome, record);
    }
    const active = await readActive(join(dirs.active, name));
    const last = active?.sidecar.history.at(-1);
    if (active?.sidecar.state === 'queued' && last?.outcome === 'limited' && active.sidecar.notBefore > Date.now()) return this.limited(lease, active.sidecar.notBefore, last.reason);
    if (active) return active.sidecar.state === 'queued' ? 'waiting' : this.pushProgress(lease, active.sidecar.worktree ?? null);
    if (await exists(join(dirs.inbox, name))) return 'waiting';
    if (!(await exists(join(dirs.active, name)))) await this.materialize(lease);
    return 'waiting';
  }

  /**
   * The agent hit its account's usage limit: no host takes a job of its kind until the reset (the queue is
   * paused fleet-wide), and the job goes back without spending an attempt; its task here is stopped.
   */
  private async limited(lease: Lease, until: number, reason: string): Promise<void> {
    await this.o.engine.pause(lease.queue, Math.max(1_000, until - Date.now()));
    if (await this.leases.finish(lease.id, { putBack: true })) {
      this.o.log.warn({ job: lease.id, task: lease.job.task, queue: lease.queue, until: new Date(until).toISOString(), reason }, 'a usage limit: the queue is paused fleet-wide until its reset, and the job is back in it');
    }
  }

  /**
   * While the agent works, its commits go to the remote every WIP_EVERY_MS: a host that dies leaves its
   * work where the next attempt, on any host, starts from.
   */
  private async pushProgress(lease: Lease, w: { repo: string; branch: string; base: string } | null): Promise<void> {
    const last = this.pushed.get(lease.id);
    if (!w || (last && Date.now() - last.at < WIP_EVERY_MS)) return;
    if (!this.cancelling.has(lease.id) && (await this.o.engine.cancelAsked(lease.queue, lease.id))) {
      this.cancelling.add(lease.id);
      this.replies.add(await this.o.cancel(join(this.queueOf(lease).active, localName(lease))));
      this.o.log.info({ job: lease.id, task: lease.job.task }, 'the fleet job\'s task was cancelled: stopping its agent');
    }
    const head = await gitMaybe(w.repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${w.branch}`]);
    this.pushed.set(lease.id, { head: last?.head ?? null, at: Date.now() });
    if (!head || head === w.base || head === last?.head) return;
    // Only while the job is ours: a host that stalled and lost it pushes nothing over its successor's work.
    if (!(await this.leases.renew(lease.id))) return;
    await pushBranch(join(checkoutsDir(this.o.stateDir), lease.job.project), head, lease.job.branch);
    this.pushed.set(lease.id, { head, at: Date.now() });
    this.o.log.info({ job: lease.id, task: lease.job.task, branch: lease.job.branch, head }, 'pushed the task\'s work so far');
  }

  /** The attempt ended: its branch to the remote, then the job's end under its lock. */
  private async settle(lease: Lease, outcome: 'done' | 'failed', record: ResultRecord): Promise<void> {
    const { job } = lease;
    const checkout = join(checkoutsDir(this.o.stateDir), job.project);
    // Only while the job is ours (a host that stalled and lost it pushes nothing); Redis not answering: later.
    if (!(await this.leases.renew(lease.id))) return;
    this.pushed.delete(lease.id);
    if (outcome === 'done' && !record.git?.head) {
      // Done, but what it did is not known (its worktree could not be read): the queue runs it again
      // rather than report work that is on no branch.
      await this.leases.finish(lease.id, { fail: `on host ${this.o.host}: the attempt was done but its branch could not be read, so there is nothing to push` });
      return;
    }
    let pushed = false;
    if (record.git?.head) {
      try {
        await pushBranch(checkout, record.git.head, job.branch);
        pushed = true;
      } catch (err) {
        this.o.log.warn({ job: lease.id, branch: job.branch, err: (err as Error).message }, 'could not push the task\'s branch');
        if (outcome === 'done') {
          await this.leases.finish(lease.id, { fail: `on host ${this.o.host}: the task's branch could not be pushed: ${(err as Error).message}` });
          return;
        }
      }
    }
    const git = record.git ? { ...record.git, branch: job.branch } : undefined;
    if (outcome === 'done') {
      const result: FleetResult = {
        host: this.o.host, reason: record.reason,
        ...(record.lastMessage !== undefined ? { lastMessage: record.lastMessage } : {}),
        attempt: { model: record.model, agentSessionId: record.agentSessionId, transcriptPath: record.transcriptPath, claimedAt: record.claimedAt, launchedAt: record.launchedAt, submittedAt: record.submittedAt, ...(record.sandboxed !== undefined ? { sandboxed: record.sandboxed } : {}) },
        ...(git ? { git } : {}),
        ...(record.history.at(-1)?.usage ? { usage: record.history.at(-1)!.usage } : {}),
      };
      if (await this.leases.finish(lease.id, { complete: result })) this.o.log.info({ job: lease.id, task: job.task, branch: pushed ? job.branch : null }, 'fleet job done');
    } else if (await this.leases.finish(lease.id, { fail: `on host ${this.o.host}: ${record.reason}`, final: this.cancelling.delete(lease.id) })) {
      this.o.log.info({ job: lease.id, task: job.task, reason: record.reason }, 'fleet job failed here; the queue decides whether it runs again');
    }
  }

  /** Writes the job as a task of this host's clone of its project, starting from where its work is. */
  private async materialize(lease: Lease): Promise<void> {
    const { job } = lease;
    if (!job.remote) throw new Error(`the job has no git remote to clone ${job.project} from`);
    const { path: checkout, made } = await ensureCheckout(this.o.stateDir, job.project, job.remote);
    if (made) await this.o.checkoutsChanged();
    const start = await startOf(checkout, job.branch, job.baseRef);
    const inbox = this.queueOf(lease).inbox;
    const name = localName(lease);
    const tmp = join(inbox, `.${name}.${process.pid}.tmp`);
    await writeFile(tmp, taskText(job.text, { base: start.commit, agent: job.agent, model: job.model, priority: job.priority }));
    await rename(tmp, join(inbox, name));
    this.o.log.info({ job: lease.id, task: job.task, project: job.project, base: start.commit, ...(start.resumed ? { resumedFrom: job.branch } : {}) }, 'took a job from the fleet');
  }

  /** Asks the controller to cancel the lease's task here, wherever it waits or runs. */
  private async stopLocal(lease: Lease): Promise<void> {
    const dirs = this.queueOf(lease);
    for (const dir of [dirs.active, dirs.inbox]) {
      const path = join(dir, localName(lease));
      if (await exists(path)) await this.askStop(path);
    }
  }

  /** Asks the controller, once per task file, to cancel it; true when asked now. */
  private async askStop(path: string): Promise<boolean> {
    if (this.cancelled.has(path)) return false;
    this.cancelled.add(path);
    this.replies.add(await this.o.cancel(path));
    return true;
  }

  /** Tasks of the clones that no held job names (their lock was lost, or never written): asked to stop. */
  private async stopOrphans(d: DesiredState): Promise<void> {
    for (const id of [...this.replies]) if (await unlink(id).then(() => true, () => false)) this.replies.delete(id);
    const ours = new Set(this.leases.leases().map(localName));
    for (const p of d.projects.filter((q) => q.fleet === 'checkout')) {
      const dirs = queueDirs(p.inbox);
      for (const dir of [dirs.inbox, dirs.active]) {
        for (const name of await readdir(dir).catch(() => [] as string[])) {
          const path = join(dir, name);
          if (!name.endsWith('.md') || name.startsWith('.') || ours.has(name)) continue;
          if (await this.askStop(path)) this.o.log.warn({ task: path }, 'stopping a task whose fleet job this host no longer holds');
        }
      }
    }
  }
}

/** How often a working agent's commits are pushed. */
const WIP_EVERY_MS = 2_000;

/** The queues a host takes jobs from: those of the agents `fleet.agents` names, else of its pool's agent. */
export function queuesOf(d: DesiredState): string[] {
  return [...new Set(d.fleet?.agents ?? [d.pool.agent])].map(queueName);
}

/** A job's task file on this host: named after the task and the lease, so each lease has its own. */
export function localName(lease: Pick<Lease, 'job' | 'token'>): string {
  return `${branchLeaf(basename(lease.job.task))}--${lease.token.slice(-8)}.md`;
}

/**
 * The job's task as this host runs it (pure): its text, with the front matter saying where its worktree
 * starts, its agent, model and priority; what it waited for was settled by the front door.
 */
export function taskText(text: string, o: { base: string; agent: string; model: string; priority: string }): string {
  const parsed = parseTask(new TextEncoder().encode(text));
  const body = parsed.ok ? parsed.task.body : text;
  const { after: _a, after_failed: _f, not_before: _n, ...kept } = parsed.ok ? frontMatterOf(text) : {};
  return `---\n${toYaml({ ...kept, priority: o.priority, agent: o.agent, model: o.model, base: o.base }).trimEnd()}\n---\n${body}\n`;
}
