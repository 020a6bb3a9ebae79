import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import type { DesiredState, Priority, ProjectSpec } from '../config/types.js';
import { queueDirs } from '../tasks/layout.js';
import { scanActive } from '../tasks/scan.js';
import { claimTask, finishFrom, writeSidecar } from '../tasks/store.js';
import { taskId } from '../tasks/task-id.js';
import type { ActiveTask, GitRecord, HistoryEntry, PendingTask, Sidecar } from '../tasks/types.js';
import { gitMaybe } from '../util/git.js';
import { exists } from '../util/fs.js';
import { branchLeaf } from '../git/worktree.js';
import type { FleetEngine } from './engine.js';
import { jobIdFor, type FleetJob } from './job.js';

/** What a host reports when its attempt of a job ended (the job's result, or its failure's reason). */
export interface FleetResult {
  host: string;
  reason: string;
  lastMessage?: string;
  /** What the host's record of the attempt says of it. */
  attempt: Pick<Sidecar, 'model' | 'agentSessionId' | 'transcriptPath' | 'claimedAt' | 'launchedAt' | 'submittedAt' | 'sandboxed'>;
  /** The task's branch as pushed to the project's remote (`branch` is the remote's name for it). */
  git?: GitRecord;
  /** What the attempt consumed (src/costs/), as its host read it. */
  usage?: HistoryEntry['usage'];
}

/** How a front door's task goes to the queue: which queue, for which agent and model, at what priority. */
export interface JobAsk {
  queue: string;
  agent: string;
  model: string;
  priority: Priority;
}

/**
 * The front door of a fleet (issue 26): its inboxes' tasks go to the fleet's queue instead of a slot here,
 * and their results come back into done/ and failed/ as the jobs end. A task is claimed into active/ as
 * today, its sidecar naming its job before the job is added (a crash between the two is caught by the
 * next collect, which adds it); then it stays there until the queue says the job ended (the first terminal
 * result wins: the task moves once). A job the queue does not know (lost in a failover) is added again.
 */
export class FrontDoor {
  constructor(private readonly o: { engine: FleetEngine; log: Logger; now: () => number }) {}

  /** The planned add-job: claim, then add. Returns the task's path in active/. */
  async add(d: DesiredState, task: PendingTask, ask: JobAsk): Promise<string> {
    const project = d.projects.find((p) => p.path === task.project);
    if (!project) throw new Error(`${task.path} is in no project of the config`);
    const text = await readFile(task.path, 'utf8');
    const job = await jobOf(d, project, task.path, text, ask);
    const fleet = { queue: ask.queue, job: jobIdFor(job), addedAt: null, agent: ask.agent, model: ask.model };
    const claimed = await claimTask(task, null, this.o.now(), { fleet });
    // Not awaited: a Redis that does not answer must not hold up the pass; the task waits in active/ with
    // its job named, and collect adds it once Redis is back.
    void this.put(d, project, claimed, job).catch((err: Error) => this.o.log.warn({ task: claimed.path, job: fleet.job, err: err.message }, 'could not add the task\'s job to the fleet\'s queue yet; trying again'));
    return claimed.path;
  }

  /**
   * `agentpool cancel` of a task in the fleet: its job is removed if no host took it yet (then the task can
   * go to failed/ now: `removed`), else the host running it is asked to stop it (its job fails for good and
   * collect settles the task).
   */
  cancel(f: NonNullable<Sidecar['fleet']>): Promise<'removed' | 'asked'> {
    return this.o.engine.cancel(f.queue, f.job);
  }

  /**
   * Looks at every task this front door gave the queue: a job that ended settles its task (done/ or
   * failed/, with the host's record), one never added or lost by the queue is added.
   */
  async collect(d: DesiredState): Promise<void> {
    for (const project of d.projects.filter((p) => p.fleet === 'front-door')) {
      for (const t of await scanActive(project, queueDirs(project.inbox).active)) {
        const f = t.sidecar.fleet;
        if (!f) continue;
        try {
          await this.follow(d, project, t, f);
        } catch (err) {
          this.o.log.warn({ task: t.path, job: f.job, err: (err as Error).message }, 'could not ask the fleet\'s queue about a task; asking again later');
        }
      }
    }
  }

  private async follow(d: DesiredState, project: ProjectSpec, t: ActiveTask, f: NonNullable<Sidecar['fleet']>): Promise<void> {
    const status = await this.o.engine.status(f.queue, f.job);
    if (!status && t.sidecar.cancel) {
      // Cancelled before a host took it: its job was removed, never to be added again.
      const dest = await finishFrom(t.path, t.sidecar, { outcome: 'failed', reason: t.sidecar.cancel.reason, now: this.o.now() });
      this.o.log.info({ task: dest, ...taskId(d, dest), job: f.job }, 'task cancelled');
      return;
    }
    if (!status) {
      if (f.addedAt !== null) this.o.log.warn({ task: t.path, job: f.job, queue: f.queue }, 'the fleet\'s queue has no job for the task (lost in a Redis failover?): adding it again');
      const job = await jobOf(d, project, t.path, await readFile(t.path, 'utf8'), { queue: f.queue, agent: f.agent, model: f.model, priority: t.sidecar.priority });
      return this.put(d, project, t, job);
    }
    if (status.state !== 'completed' && status.state !== 'failed') return;
    const result = (status.state === 'completed' ? status.result : null) as FleetResult | null;
    const host = result?.host ?? /^on host ([^:]+):/.exec(status.state === 'failed' ? status.reason : '')?.[1];
    const sidecar: Sidecar = { ...t.sidecar, ...(result?.attempt ?? {}), attempts: status.attemptsMade, ...(host ? { host } : {}) };
    const reason = status.state === 'completed' ? result?.reason ?? 'done' : status.reason;
    const dest = await finishFrom(t.path, sidecar, {
      outcome: status.state === 'completed' ? 'done' : 'failed', reason, now: this.o.now(),
      ...(result?.lastMessage !== undefined ? { lastMessage: result.lastMessage } : {}),
      ...(result?.git ? { git: result.git } : {}),
      ...(result?.usage ? { usage: result.usage } : {}),
    });
    this.o.log.info({ task: dest, ...taskId(d, dest), job: f.job, host, attempts: status.attemptsMade, ...(status.state === 'failed' ? { reason } : {}) },
      status.state === 'completed' ? 'task done in the fleet' : 'task failed in the fleet');
  }

  private async put(d: DesiredState, project: ProjectSpec, t: Pick<ActiveTask, 'path' | 'sidecar'>, job: FleetJob): Promise<void> {
    const f = t.sidecar.fleet!;
    if (!job.remote) {
      const reason = `the project ${project.path} has no git remote "origin": fleet hosts clone a project from its remote; add one (git remote add origin URL)`;
      await finishFrom(t.path, t.sidecar, { outcome: 'failed', reason, now: this.o.now() });
      this.o.log.error({ task: t.path, reason }, 'task cannot go to the fleet');
      return;
    }
    await this.o.engine.add(f.queue, job);
    // Noted only while the task is still in active/ (its job may have ended meanwhile, and the task moved).
    if (f.addedAt === null && (await exists(t.path))) await writeSidecar(t.path, { ...t.sidecar, fleet: { ...f, addedAt: this.o.now() } });
    this.o.log.info({ task: t.path, ...taskId(d, t.path), job: f.job, queue: f.queue, priority: job.priority }, 'task added to the fleet\'s queue');
  }
}

/** The job of a task: its text, what it asks, and where its project's code is, for a host that has no checkout. */
async function jobOf(d: DesiredState, project: ProjectSpec, path: string, text: string, ask: JobAsk): Promise<FleetJob> {
  const remote = await gitMaybe(project.path, ['remote', 'get-url', 'origin']);
  const baseRef = project.worktree.baseRef ?? (await gitMaybe(project.path, ['symbolic-ref', '--quiet', '--short', 'HEAD']));
  return {
    task: taskId(d, path).taskId, project: project.name, priority: ask.priority, agent: ask.agent, model: ask.model, text,
    remote: remote?.trim() || null, baseRef: baseRef?.trim() || null, branch: `agentpool/${branchLeaf(basename(path))}`,
  };
}
