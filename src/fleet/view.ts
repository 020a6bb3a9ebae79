import type { DesiredState } from '../config/types.js';
import type { FleetView } from './engine.js';
import { queueName } from './job.js';

/** The queues a controller shows of the fleet: its pool's agent's, and those of the agents it takes. */
export function viewedQueues(d: DesiredState): string[] {
  return [...new Set([d.pool.agent, ...(d.fleet?.agents ?? [])])].map(queueName);
}

/**
 * The fleet as its Redis has it (`status --fleet`, the dashboard's fleet page): every controller from the
 * status each publishes, and the queues this host's config names. Fails with what to check when Redis does
 * not answer within `answerMs`; `where` names the Redis for messages.
 */
export async function readFleetView(d: DesiredState, answerMs: number): Promise<{ view: FleetView; where: string }> {
  if (!d.fleet) throw new Error(`${d.file} has no fleet: section, so there is no fleet to show (README: Running a fleet)`);
  const { BullEngine } = await import('./bullmq.js');
  const engine = new BullEngine({ redis: d.fleet.redis, lockMs: d.fleet.lockMs, stalledCheckMs: 30_000, attempts: d.tasks.maxAttempts, backoffMs: d.tasks.retryBackoffMs });
  const where = 'sentinels' in d.fleet.redis ? `the Sentinels of ${d.fleet.redis.name}` : `redis://${d.fleet.redis.host}:${d.fleet.redis.port}`;
  let timer: NodeJS.Timeout | undefined;
  try {
    const view = await Promise.race([
      engine.view(viewedQueues(d)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the fleet's Redis (${where}) does not answer: is it running? (agentpool doctor checks it)`)), answerMs);
      }),
    ]);
    return { view, where };
  } finally {
    clearTimeout(timer);
    // Closing waits for Redis too: not for one that does not answer.
    void engine.close().catch(() => {});
  }
}
