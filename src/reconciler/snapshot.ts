import type { HookSummary } from '../agents/events.js';
import type { ScreenReading } from '../agents/screen.js';
import type { ProjectQueue } from '../tasks/scan.js';

/** One pool-relevant tmux session as observed. */
export interface ObservedSession {
  name: string;
  sessionId: string;
  paneId: string;
  panePid: number;
  paneDead: boolean;
  paneDeadStatus: number | null;
  paneDeadSignal: number | null;
  /**
   * Ours: tagged by this pool (`@agentpool-pool` = the pool prefix), or created by this controller in this
   * run (known by server and session id) even if its tags are missing. Nothing else is ever changed.
   */
  owned: boolean;
  /** The ownership tags as found: `pool` and `slot`, '' when unset. A created session's can be repaired. */
  tags: { pool: string; slot: string };
  /** The durable slot state agentpool wrote on the session (tmux user options). */
  saved: { state: string; task: string; until: number | null };
}

/** What an agent in a pool session is telling us: its hook events and, when captured, its screen. */
export interface AgentSignals {
  hooks: HookSummary;
  screen: ScreenReading | null;
  screenText: string | null;
}

/**
 * Everything one pass knows about the world, replaced whole every pass. Watch events only wake the loop;
 * this is the truth.
 */
export interface Snapshot {
  now: number;
  /** False when tmux could not be asked (binary missing, command failed): no session is known then. */
  tmux: { ok: true } | { ok: false; error: string };
  sessions: ReadonlyMap<string, ObservedSession>;
  queues: readonly ProjectQueue[];
  agents: ReadonlyMap<string, AgentSignals>;
  /** Problems found while observing, for the log (a refused event file, ...). */
  problems?: readonly string[];
  /** Why the pool's agent program cannot be run (not found), or absent when it can: no task is claimed then. */
  agentMissing?: string;
}

/**
 * What kept this snapshot from seeing the whole world (tmux not answering, a missing or unreadable inbox, a
 * refused event file): a plan made from it may be missing actions, so nothing built on it is "in sync".
 * `except`: projects whose queue problems do not count (their folders are about to be created).
 */
export function blindSpots(snap: Snapshot, except: ReadonlySet<string> = new Set()): string[] {
  return [
    ...(snap.tmux.ok ? [] : [`tmux: ${snap.tmux.error}`]),
    ...snap.queues.filter((q) => !except.has(q.project)).flatMap((q) => q.problems),
    ...(snap.problems ?? []),
    ...(snap.agentMissing ? [snap.agentMissing] : []),
  ];
}
