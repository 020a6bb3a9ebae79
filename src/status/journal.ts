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

/** How many transitions are kept per session. */
const KEEP = 20;

/**
 * What the running controller remembers about each slot beyond its machine, for the status file: when it
 * entered its state, why its last attempt failed, and its recent transitions (kept here, not parsed back
 * from the logs).
 */
export class SlotJournal {
  readonly since = new Map<string, number>();
  readonly lastError = new Map<string, string>();
  private readonly recent = new Map<string, RecordedTransition[]>();

  /**
   * `ended`: how the attempt the transition ended went, null when it ended none. A failed one is the
   * slot's last error until an attempt of the slot succeeds.
   */
  note(t: Transition, at: number, ended: 'done' | 'failed' | null): void {
    this.since.set(t.session, at);
    if (ended === 'failed' && t.reason) this.lastError.set(t.session, t.reason);
    if (ended === 'done') this.lastError.delete(t.session);
    const list = this.recent.get(t.session) ?? [];
    list.push({ at, from: t.from, to: t.to, event: t.event, ...(t.task ? { task: t.task } : {}), ...(t.reason ? { reason: t.reason } : {}) });
    this.recent.set(t.session, list.slice(-KEEP));
  }

  transitions(): Record<string, RecordedTransition[]> {
    return Object.fromEntries(this.recent);
  }
}

/**
 * The transitions of the sessions that held the task whose file is (or was) `path`, while they held it
 * (by its path in active/), oldest first, each with its session.
 */
export function taskTransitions(bySession: Record<string, RecordedTransition[]>, path: string): Array<RecordedTransition & { session: string }> {
  const active = join(dirname(dirname(path)), 'active', basename(path));
  return Object.entries(bySession)
    .flatMap(([session, ts]) => ts.filter((t) => t.task === active).map((t) => ({ ...t, session })))
    .sort((a, b) => a.at - b.at);
}
