import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DesiredState } from '../config/types.js';
import { compareSessions } from '../machines/slots.js';
import { STATE_LABEL, type SlotView } from '../machines/types.js';
import { writeJsonAtomic } from '../tasks/atomic.js';
import { isAlive } from '../util/pid.js';
import { desiredSlots, isPoolName } from '../config/pool.js';
import type { ProjectQueue } from '../tasks/scan.js';
import type { RecordedTransition, TaskTransition } from './journal.js';
import { projectName } from '../tasks/task-id.js';

/** One session as `agentpool status` shows it. */
export interface SessionStatus {
  session: string;
  /** pool: a slot of the pool; surplus: ours, beyond the pool's size; unowned: not ours (left alone); dedicated: the user's. */
  role: 'pool' | 'surplus' | 'unowned' | 'dedicated';
  state: string;
  /** Epoch ms the slot entered its state (known to a running controller only). */
  since: number | null;
  /** The task's file name, '' when none. */
  task: string;
  project: string;
  model: string | null;
  attempt: number | null;
  /** When the state's timer ends (prompt or task timeout, cooldown). */
  until: number | null;
  /** The reason the slot's last attempt failed, if it did. */
  lastError: string | null;
  /** Takes no new work (`agentpool cordon`). */
  cordoned: boolean;
}

/** What a running controller writes after each pass (`<stateDir>/status.json`), for `agentpool status`. */
export interface StatusFile {
  version: 1;
  pid: number;
  config: string;
  startedAt: number;
  writtenAt: number;
  /** 1 for the config the controller started with, +1 per reload it took. */
  generation: number;
  /** The last config edit, when there was one: taken, or refused with its errors (the last good one stays). */
  lastReload: { at: number; ok: boolean; errors: string[] } | null;
  pool: { prefix: string; desired: number; actual: number; agent: string };
  sessions: SessionStatus[];
  /** What the last pass could not see (a missing inbox, tmux not answering), and what the controller does about it. */
  problems: string[];
  /** What the controller did to a tmux server that misbehaved (a stray channel ended, the server restarted), most recent last. */
  repairs?: Array<{ at: number; what: string }>;
  /** Each session's recent transitions, oldest first (src/status/journal.ts). */
  transitions?: Record<string, RecordedTransition[]>;
  /** The latest tasks' transitions, by task path in active/, oldest first. */
  taskTransitions?: Record<string, TaskTransition[]>;
  /** Fleet mode: the fleet as this controller last read it from Redis (`top`; `status --fleet` has it all). */
  fleet?: FleetSummary;
}

export interface FleetSummary {
  at: number;
  /** Controllers whose status is current, and those gone. */
  up: number;
  gone: number;
  /** The jobs this controller holds as a host. */
  jobsHeld: number;
  queues: Array<{ queue: string; waiting: number; active: number; failed: number; pausedUntil: number | null }>;
}

/** What the controller knows beyond the snapshot, per slot. */
export interface SlotHistory {
  since: ReadonlyMap<string, number>;
  lastError: ReadonlyMap<string, string>;
  cordoned: ReadonlySet<string>;
}

/**
 * What the status rows need of a pass's snapshot (the reconciler's Snapshot is one): the sessions seen and
 * the queues. Named here so this room imports nothing from the pass.
 */
export interface ObservedForStatus {
  sessions: ReadonlyMap<string, { name: string; owned: boolean; tags: { pool: string } }>;
  queues: readonly ProjectQueue[];
}

/** Pure: the sessions of a pass as `status` shows them, in natural order, with absent slots of the pool. */
export function sessionStatus(d: DesiredState, snap: ObservedForStatus, views: ReadonlyMap<string, SlotView>, h: SlotHistory): SessionStatus[] {
  const wanted = new Set(desiredSlots(d));
  const sidecars = new Map(snap.queues.flatMap((q) => q.active.map((a) => [a.path, a.sidecar] as const)));
  const rows: SessionStatus[] = [];
  for (const s of snap.sessions.values()) {
    const dedicated = d.dedicated.includes(s.name);
    if (!dedicated && !s.owned && !wanted.has(s.name) && !(isPoolName(d, s.name) && s.tags.pool === d.pool.prefix)) continue;
    const v = views.get(s.name);
    const sc = v?.task ? sidecars.get(v.task) : undefined;
    rows.push({
      session: s.name,
      role: dedicated ? 'dedicated' : !s.owned ? 'unowned' : wanted.has(s.name) ? 'pool' : 'surplus',
      state: s.owned ? STATE_LABEL[v?.state ?? 'idle'] : '-',
      since: s.owned ? h.since.get(s.name) ?? null : null,
      task: v?.task ? basename(v.task) : '',
      project: sc ? projectName(d, sc.project) : '',
      model: sc?.model ?? null,
      attempt: sc?.attempts ?? null,
      until: v?.deadline ?? null,
      lastError: h.lastError.get(s.name) ?? null,
      cordoned: h.cordoned.has(s.name),
    });
  }
  return withAbsentSlots(d, rows);
}

/** `rows` plus an `absent` row for each slot of the pool that has no session, in natural session order. */
export function withAbsentSlots(d: DesiredState, rows: SessionStatus[]): SessionStatus[] {
  for (const name of desiredSlots(d)) {
    if (!rows.some((r) => r.session === name)) {
      rows.push({ session: name, role: 'pool', state: 'absent', since: null, task: '', project: '', model: null, attempt: null, until: null, lastError: null, cordoned: false });
    }
  }
  return rows.sort((a, b) => compareSessions(a.session, b.session));
}

export async function writeStatusFile(stateDir: string, status: StatusFile): Promise<void> {
  // A view the controller writes after every pass and transition: no fsync, the next write replaces it.
  await writeJsonAtomic(join(stateDir, 'status.json'), status, { durable: false });
}

/**
 * How old a status file may be and still come from a running controller: three resyncs, a minute at least
 * (one that wrote none for longer is stuck or gone, and its pid may be someone else's by now).
 */
export function statusFreshMs(resyncMs: number): number {
  return Math.max(60_000, 3 * resyncMs);
}

/**
 * The status file in `stateDir`, or null when there is none. `live`: its controller still runs and wrote it
 * within `freshMs` (an older one is from a controller that is stuck or gone, whose pid may be reused).
 */
export async function readStatusFile(stateDir: string, freshMs: number): Promise<{ status: StatusFile; live: boolean } | null> {
  try {
    const status = JSON.parse(await readFile(join(stateDir, 'status.json'), 'utf8')) as StatusFile;
    if (status.version !== 1) return null;
    return { status, live: isAlive(status.pid) && Date.now() - status.writtenAt < freshMs };
  } catch {
    return null;
  }
}
