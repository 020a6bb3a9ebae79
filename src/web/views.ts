import { PRIORITIES, type DesiredState } from '../config/types.js';
import { readFleetView } from '../fleet/view.js';
import { readStatusFile, statusFreshMs } from '../status/status-file.js';
import { listTasks, type TaskRow } from '../tasks/list.js';
import { readActive, readResult } from '../tasks/store.js';

/** What the pool page shows: the controller's status file as it wrote it last, and every task. */
export interface PoolView {
  at: number;
  controller: { running: boolean; pid: number | null; writtenAt: number | null };
  pool: { prefix: string; desired: number; agent: string };
  sessions: unknown[];
  problems: string[];
  tasks: TaskRow[];
}

/** The pool as the page shows it. */
export async function poolView(d: DesiredState): Promise<PoolView> {
  const file = await readStatusFile(d.controller.stateDir, statusFreshMs(d.controller.resyncMs));
  const s = file?.status;
  return {
    at: Date.now(),
    controller: { running: !!file?.live, pid: s?.pid ?? null, writtenAt: s?.writtenAt ?? null },
    pool: s?.pool ?? { prefix: d.pool.prefix, desired: d.pool.size, agent: d.pool.agent },
    sessions: s?.sessions ?? [],
    problems: s?.problems ?? [],
    tasks: await listTasks(d.projects),
  };
}

/** The queue page's data: each project's inbox by priority, then age; and the tasks refused on arrival, with why. */
export async function queueView(d: DesiredState): Promise<{ at: number; projects: Array<{ name: string; inbox: TaskRow[]; refused: TaskRow[] }> }> {
  const rank = (t: TaskRow) => PRIORITIES.indexOf(t.priority ?? 'low');
  const rows = await listTasks(d.projects, ['inbox', 'failed']);
  return {
    at: Date.now(),
    projects: d.projects.map((p) => ({
      name: p.name,
      inbox: rows.filter((t) => t.project === p.name && t.state === 'inbox').sort((a, b) => rank(a) - rank(b) || a.arrivedAt - b.arrivedAt),
      // Failed without an attempt: the controller refused it as it arrived (a bad front matter, an unknown agent ...).
      refused: rows.filter((t) => t.project === p.name && t.state === 'failed' && t.attempts === 0).sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0)),
    })),
  };
}

/** How long the fleet page waits for Redis. */
const FLEET_ANSWER_MS = 3_000;

/** The fleet page's data: its hosts, their sessions and the shared queues; null without a fleet: section. */
export async function fleetPageView(d: DesiredState): Promise<{ at: number; where: string; view: Awaited<ReturnType<typeof readFleetView>>['view'] } | { at: number; error: string } | null> {
  if (!d.fleet) return null;
  try {
    const { view, where } = await readFleetView(d, FLEET_ANSWER_MS);
    return { at: Date.now(), where, view };
  } catch (err) {
    return { at: Date.now(), error: (err as Error).message };
  }
}

/** One attempt on the timeline: its session's row, from its claim to its end (or now), coloured by outcome. */
export interface TimelineBar {
  session: string;
  task: string;
  project: string;
  from: number;
  to: number;
  outcome: string;
}

/**
 * The last `hours` of the pool's work as bars (sessions × time): each settled task's last attempt from its
 * claim to its end, by its outcome, and each task at work from its claim to now.
 */
export async function timelineView(d: DesiredState, hours: number): Promise<{ from: number; to: number; sessions: string[]; bars: TimelineBar[] }> {
  const to = Date.now();
  const from = to - Math.max(1, Math.min(24 * 7, hours || 24)) * 3_600_000;
  const bars: TimelineBar[] = [];
  for (const t of await listTasks(d.projects, ['active', 'done', 'failed'])) {
    const facts = t.state === 'active' ? (await readActive(t.path))?.sidecar : await readResult(t.path);
    if (!facts?.session || facts.claimedAt === null) continue;
    const end = t.state === 'active' ? to : t.finishedAt ?? to;
    if (end < from) continue;
    bars.push({ session: facts.session, task: t.name, project: t.project, from: Math.max(from, facts.claimedAt), to: end, outcome: t.state === 'active' ? 'running' : t.state });
  }
  const sessions = [...new Set(bars.map((b) => b.session))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  // The window the work fills (at most `hours`), with a margin before the first claim: a morning's work is
  // not a sliver at the right edge of a day.
  const earliest = Math.min(...bars.map((b) => b.from));
  const shown = bars.length ? Math.max(from, earliest - Math.max(10_000, (to - earliest) * 0.05)) : from;
  return { from: shown, to, sessions, bars };
}
