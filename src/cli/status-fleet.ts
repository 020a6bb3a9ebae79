import { defaultConfigPath, loadDesired } from '../config/load.js';
import { PRIORITIES } from '../config/types.js';
import type { FleetView } from '../fleet/engine.js';
import { queueName } from '../fleet/job.js';
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
  if (!d.fleet) throw new Error(`${d.file} has no fleet: section, so there is no fleet to show (README: Running a fleet)`);
  const { BullEngine } = await import('../fleet/bullmq.js');
  const engine = new BullEngine({ redis: d.fleet.redis, lockMs: d.fleet.lockMs, stalledCheckMs: 30_000, attempts: d.tasks.maxAttempts, backoffMs: d.tasks.retryBackoffMs });
  const where = 'sentinels' in d.fleet.redis ? `the Sentinels of ${d.fleet.redis.name}` : `redis://${d.fleet.redis.host}:${d.fleet.redis.port}`;
  let timer: NodeJS.Timeout | undefined;
  try {
    const view = await Promise.race([
      engine.view([...new Set([d.pool.agent, ...(d.fleet.agents ?? [])])].map(queueName)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the fleet's Redis (${where}) does not answer: is it running? (agentpool doctor checks it)`)), ANSWER_MS);
      }),
    ]);
    return v.output === 'json' ? `${JSON.stringify(view, null, 2)}\n` : fleetText(view, Date.now(), where);
  } finally {
    clearTimeout(timer);
    // Closing waits for Redis too: not for one that does not answer.
    void engine.close().catch(() => {});
  }
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
