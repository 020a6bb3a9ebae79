import type { DaySpend } from '../costs/ledger.js';
import type { AgentProcess, AgentSignals } from '../drivers/agent-driver.js';
import type { ProjectQueue } from '../tasks/scan.js';
import type { ControlRequest } from '../controls/requests.js';
import type { DepState } from '../tasks/deps.js';

export type { AgentSignals };

/** One session of the backend as observed. */
export interface ObservedSession {
  name: string;
  /** The backend's handle on the session (opaque). */
  ref: string;
  /** The program running in it: the agent, or the idle program. */
  process: AgentProcess;
  /**
   * Ours: tagged by this pool (tag `pool` = the pool prefix), or created by this controller's backend in
   * this run even if its tags are missing. Nothing else is ever changed.
   */
  owned: boolean;
  /** The ownership tags as found: `pool` and `slot`, '' when unset. A created session's can be repaired. */
  tags: { pool: string; slot: string };
  /** The durable slot state agentpool wrote on the session (its tags). */
  saved: { state: string; task: string; until: number | null; agent: string };
}

/**
 * Everything one pass knows about the world, replaced whole every pass. Watch events only wake the loop;
 * this is the truth.
 */
export interface Snapshot {
  now: number;
  /**
   * False when the session backend could not be asked (tmux missing, not answering): no session is known
   * then. `hopeless`: nothing will work until a person fixes what `error` says.
   */
  backend: { ok: true } | { ok: false; error: string; hopeless?: boolean };
  sessions: ReadonlyMap<string, ObservedSession>;
  queues: readonly ProjectQueue[];
  /** Where each task named by a queued task's `after:` is now (src/tasks/deps.ts). */
  deps?: ReadonlyMap<string, DepState>;
  agents: ReadonlyMap<string, AgentSignals>;
  /** Problems found while observing, for the log (a refused event file, ...). */
  problems?: readonly string[];
  /** Why no sandbox can start here (src/sandbox/probe.ts), asked only when the config wants one. */
  sandboxProblem?: string;
  /** Why the pool's agent program cannot be run (not found), or absent when it can: no task is claimed then. */
  agentMissing?: string;
  /** A person's requests waiting for the controller (`agentpool retry|cancel|cordon|...`), oldest first. */
  requests?: readonly ControlRequest[];
  /** What the day spent so far, where a day budget is set (src/costs/). */
  spend?: DaySpend;
  /** What status says while a day budget holds tasks back. */
  budget?: string[];
  /** Working slots whose task spent its cap (budgets.task): session → why. */
  overCap?: ReadonlyMap<string, string>;
  /** The sessions a person cordoned (src/controls/cordoned.ts). */
  cordoned?: ReadonlySet<string>;
  /** Projects (by path) whose folder is there but not all of their queue folders: the pass creates them. */
  unprepared?: readonly string[];
}

/**
 * What kept this snapshot from seeing the whole world (the backend not answering, a missing or unreadable
 * inbox, a refused event file): a plan made from it may be missing actions, so nothing built on it is "in
 * sync". The queue of a project the plan prepares is not missing: its folders are about to be created.
 */
export function blindSpots(snap: Snapshot): string[] {
  const preparing = new Set(snap.unprepared);
  return [
    ...(snap.backend.ok ? [] : [snap.backend.error]),
    ...snap.queues.filter((q) => !preparing.has(q.project)).flatMap((q) => q.problems),
    ...(snap.problems ?? []),
    ...(snap.agentMissing ? [snap.agentMissing] : []),
  ];
}

/**
 * What a person should hear about this snapshot that kept nothing from it (a directory named *.md; agents
 * started without the sandbox their config asks for, or tasks waiting for one).
 */
export function warnings(snap: Snapshot): string[] {
  const sandbox = snap.sandboxProblem ? [`no sandbox can start here: ${snap.sandboxProblem}; agents under sandbox: auto run without one, tasks under sandbox: on wait`] : [];
  return [...snap.queues.flatMap((q) => q.warnings), ...sandbox, ...(snap.budget ?? [])];
}
