import { existsSync } from 'node:fs';
import { SIDECAR_SUFFIX } from './layout.js';
import { readSidecar } from './scan.js';
import { claimTask, finishFrom, readResult, readTask, requeueFrom, writeSidecar } from './store.js';
import { checkTask, type TaskRules } from './check.js';
import type { Limit } from '../config/types.js';
import type { GitRecord, HistoryEntry, ParsedTask, PendingTask, ResultRecord, Sidecar, Worktree } from './types.js';

/** How an attempt ends: to done/ or failed/, or back to the queue for another attempt. */
export type Settlement =
  | { disposition: 'done' | 'fail'; reason: string; now: number; git: GitRecord | null; log: string | null; lastMessage?: string; usage?: HistoryEntry['usage'] | null }
  | { disposition: 'retry'; reason: string; outcome: string; notBefore: number; refundAttempt: boolean; now: number; git: GitRecord | null; log: string | null; usage?: HistoryEntry['usage'] | null; parked?: Sidecar['parked'] };

/**
 * The ledger's entry for one attempt of a claimed task in active/: opened for one step of the act side, it
 * reads the task's sidecar once and writes each fact from what it holds, before the effect that fact
 * announces (launched before the process starts, submitting before the paste, submitted after the proof,
 * the worktree before git makes it), so a controller that dies between the two leaves the truth on disk.
 * Nothing else writes the sidecar while a step runs: a person's cancel waits for the step (controls).
 */
export class Attempt {
  private constructor(
    /** Where the task is: in active/, or once settled in done/ or failed/. */
    private where: string,
    private s: Sidecar | null,
  ) {}

  /**
   * Claims `task` for `session` (store.ts claimTask: exactly one claimer wins); the attempt it starts, its
   * sidecar the one the claim wrote. Throws when the task is gone or taken.
   */
  static async claim(task: PendingTask, session: string, now: number): Promise<Attempt> {
    const claimed = await claimTask(task, session, now);
    return new Attempt(claimed.path, claimed.sidecar);
  }

  /** The attempt of the task at `path` in active/, its sidecar read now (null when it has none). */
  static async open(path: string): Promise<Attempt> {
    return new Attempt(path, await readSidecar(path + SIDECAR_SUFFIX));
  }

  get path(): string {
    return this.where;
  }

  /** The sidecar as last read or written; null when the task had none. */
  get sidecar(): Sidecar | null {
    return this.s;
  }

  /** The task's text and front matter. */
  task(): Promise<ParsedTask> {
    return readTask(this.where);
  }

  /** The task as `task()`, or why it can never run (check.ts): a fault of the task, not of its session. */
  check(rules: TaskRules): ReturnType<typeof checkTask> {
    return checkTask(this.where, rules);
  }

  /** Names the attempt's worktree before git makes it (so a controller that dies meanwhile finds it). */
  async worktree(planned: Worktree): Promise<void> {
    await this.write({ worktree: planned });
  }

  /** Written before the agent starts: `submitted` too when starting it delivers the task (in its argv). */
  launched(o: { model: string; agentSessionId: string | null; session: string; at: number; submitted: boolean; sandboxed: boolean }): Promise<Sidecar> {
    return this.write({
      state: o.submitted ? 'submitted' : 'launched', model: o.model, agentSessionId: o.agentSessionId, launchedAt: o.at, session: o.session, sandboxed: o.sandboxed,
      ...(o.submitted ? { submittedAt: o.at } : {}),
    });
  }

  /**
   * Written before the paste: after a crash, `submitting` without the agent's word means "not proven".
   * `warm`: the launch of the warm agent taking the task, which becomes the attempt's.
   */
  submitting(warm?: Pick<Sidecar, 'model' | 'agentSessionId' | 'launchedAt' | 'session' | 'sandboxed'>): Promise<Sidecar> {
    return this.write({ state: 'submitting', ...warm });
  }

  /** Written once the agent showed it took the task. */
  submitted(at: number): Promise<Sidecar> {
    return this.write({ state: 'submitted', submittedAt: at });
  }

  /**
   * What the agent's CLI says it is (its session id, its transcript), as the attempt ends. A transcript is
   * named only if the file is there: a CLI may name one it never wrote (the fake agent names Claude's).
   */
  async identity(ids: { agentSessionId?: string; transcriptPath?: string }): Promise<void> {
    const { transcriptPath, ...rest } = ids;
    const known = { ...rest, ...(transcriptPath && existsSync(transcriptPath) ? { transcriptPath } : {}) };
    if (Object.keys(known).length) await this.write(known);
  }

  /**
   * A person's cancel, written before the agent is stopped: a controller that dies in between finishes the
   * cancel when it finds the mark (instead of queueing the task again).
   */
  async cancelRequested(at: number, reason: string): Promise<void> {
    await this.write({ cancel: { at, reason } });
  }

  /**
   * Ends the attempt: the task moves to done/ or failed/ with its record (record first), or goes back to the
   * queue with this attempt in its history. Returns where the task is now.
   */
  async settle(o: Settlement): Promise<string> {
    if (o.disposition === 'retry') {
      this.s = await requeueFrom(this.where, this.need(), o);
      return this.where;
    }
    const { disposition, ...rest } = o;
    this.where = await finishFrom(this.where, this.s, { ...rest, outcome: disposition === 'done' ? 'done' : 'failed' });
    this.s = null;
    return this.where;
  }

  /**
   * A parked task continues (`agentpool resume`): its new cap, and its next launch resumes the agent
   * session it had. Refused unless it is parked.
   */
  async resumeParked(cap: Limit): Promise<Sidecar> {
    const s = this.need();
    if (!s.parked) throw new Error(`${this.where} is not parked`);
    const { parked: _p, ...rest } = s;
    this.s = await writeSidecar(this.where, { ...rest, cap, ...(s.agentSessionId ? { resumeAgentSession: s.agentSessionId } : {}) });
    return this.s;
  }

  /** The record beside a settled task in done/ or failed/. */
  result(): Promise<ResultRecord | null> {
    return readResult(this.where);
  }

  private async write(patch: Partial<Sidecar>): Promise<Sidecar> {
    this.s = await writeSidecar(this.where, { ...this.need(), ...patch });
    return this.s;
  }

  private need(): Sidecar {
    if (!this.s) throw new Error(`no sidecar for ${this.where}`);
    return this.s;
  }
}

