import { defaultConfigPath, loadDesired } from '../config/load.js';
import { PRIORITIES } from '../config/types.js';
import type { FleetView } from '../fleet/engine.js';
import { readFleetView } from '../fleet/view.js';
import type { CliValues } from './main.js';
import { shortDuration, table } from './table.js';

/** How long `status --fleet` waits for Redis before it says it does not answer. */
const ANSWER_MS = 5_000;

/**
 * `agentpool status --fleet`: every controller of the fleet from the status each publishes to Redis (a host
 * whose status expired is gone, with when it was last seen), and the depth of each queue by state and
 * priority, with a usage limit's pause.
 */
export async function fleetStatusReport(v: CliValues): Promise<string> {
  const d = await loadDesired(v.config ?? defaultConfigPath());
  const { view, where } = await readFleetView(d, ANSWER_MS);
  return v.output === 'json' ? `${JSON.stringify(view, null, 2)}\n` : fleetText(view, Date.now(), where);
}

/** The fleet as tables (pure): hosts, their sessions, the queues. */
export function fleetText(view: FleetView, now: number, where: string): string {
  const hosts = view.hosts.map((h) => {
    const s = h.status;
    const busy = s ? s.slots.filter((x) => x.task !== null).length : 0;
    return [h.host, s ? s.role : 'gone', shortDuration(Math.max(0, now - h.lastSeen)), s ? `${busy}/${s.slots.length}` : '', s ? String(s.jobs) : '', s ? s.queues.join(',') : ''];
  });
  const sessions = view.hosts.flatMap((h) => (h.status?.slots ?? []).map((x) => [h.host, x.session, x.state, x.task ?? '']));
  const queues = view.queues.map((q) => [
    q.queue, String(q.waiting), ...PRIORITIES.map((p) => String(q.byPriority[p])), String(q.active), String(q.delayed), String(q.completed), String(q.failed),
    q.pausedUntil ? `paused ${shortDuration(q.pausedUntil - now)}` : '',
  ]);
  return `fleet on ${where}: ${view.hosts.filter((h) => h.status).length} controllers up, ${view.hosts.filter((h) => !h.status).length} gone\n\n` +
    table(['HOST', 'ROLE', 'SEEN', 'BUSY', 'JOBS', 'QUEUES'], hosts) +
    (sessions.length ? `\n${table(['HOST', 'SESSION', 'STATE', 'TASK'], sessions)}` : '') +
    `\n${table(['QUEUE', 'WAITING', ...PRIORITIES.map((p) => p.toUpperCase()), 'ACTIVE', 'DELAYED', 'DONE', 'FAILED', ''], queues)}`;
}
