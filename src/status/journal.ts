import { basename, dirname, join } from 'node:path';
import type { Transition } from '../machines/slots.js';

/** One transition as `agentpool describe` shows it. */
export interface RecordedTransition {
  at: number;
  from: string;
  to: string;
  event: string;
  task?: string;
  reason?: string;
}

/** How many transitions are kept per session; per task, for how many of the latest tasks. */
const KEEP = 20;
const KEEP_PER_TASK = 40;
const KEEP_TASKS = 50;

/** A task's transitions, each with the session it happened in. */
export type TaskTransition = RecordedTransition & { session: string };

/**
 * What the running controller remembers about each slot beyond its machine, for the status file: when it
 * entered its state, why its last attempt failed, and its recent transitions (kept here, not parsed back
 * from the logs), per session and per task (a busy session's own list soon forgets a task; the latest
 * tasks' lists keep it). A restarted controller starts from what the last one wrote (restore).
 */
export class SlotJournal {
  readonly since = new Map<string, number>();
  readonly lastError = new Map<string, string>();
  private readonly recent = new Map<string, RecordedTransition[]>();
  /** By task file path in active/, the latest task last. */
  private readonly byTask = new Map<string, TaskTransition[]>();

  /**
   * `ended`: how the attempt the transition ended went, null when it ended none. A failed one is the
   * slot's last error until an attempt of the slot succeeds.
   */
  note(t: Transition, at: number, ended: 'done' | 'failed' | null): void {
    this.since.set(t.session, at);
    if (ended === 'failed' && t.reason) this.lastError.set(t.session, t.reason);
    if (ended === 'done') this.lastError.delete(t.session);
    const entry: RecordedTransition = { at, from: t.from, to: t.to, event: t.event, ...(t.task ? { task: t.task } : {}), ...(t.reason ? { reason: t.reason } : {}) };
    this.recent.set(t.session, [...(this.recent.get(t.session) ?? []), entry].slice(-KEEP));
    if (t.task) {
      const list = this.byTask.get(t.task) ?? [];
      this.byTask.delete(t.task);
      this.byTask.set(t.task, [...list, { ...entry, session: t.session }].slice(-KEEP_PER_TASK));
      for (const old of this.byTask.keys()) {
        if (this.byTask.size <= KEEP_TASKS) break;
        this.byTask.delete(old);
      }
    }
  }

  transitions(): Record<string, RecordedTransition[]> {
    return Object.fromEntries(this.recent);
  }

  taskTransitions(): Record<string, TaskTransition[]> {
    return Object.fromEntries(this.byTask);
  }

  /** What the last controller wrote (its status file): its transitions go on from there. */
  restore(saved: { transitions?: Record<string, RecordedTransition[]>; taskTransitions?: Record<string, TaskTransition[]> }): void {
    for (const [session, list] of Object.entries(saved.transitions ?? {})) this.recent.set(session, list.slice(-KEEP));
    for (const [task, list] of Object.entries(saved.taskTransitions ?? {}).slice(-KEEP_TASKS)) this.byTask.set(task, list.slice(-KEEP_PER_TASK));
  }
}

/**
 * The transitions of the task whose file is (or was) `path`, while sessions held it (by its path in
 * active/), oldest first, each with its session: the task's own list, or (a status file written before
 * there were such lists) what the sessions' lists still hold of it.
 */
export function taskTransitions(status: { transitions?: Record<string, RecordedTransition[]>; taskTransitions?: Record<string, TaskTransition[]> }, path: string): TaskTransition[] {
  const active = join(dirname(dirname(path)), 'active', basename(path));
  const own = status.taskTransitions?.[active];
  if (own) return own;
  return Object.entries(status.transitions ?? {})
    .flatMap(([session, ts]) => ts.filter((t) => t.task === active).map((t) => ({ ...t, session })))
    .sort((a, b) => a.at - b.at);
}
