import type { Logger } from 'pino';
import { isPoolName } from '../config/pool.js';
import type { DesiredState } from '../config/types.js';
import type { Snapshot } from './snapshot.js';

/** Pure: sessions with a pool name that agentpool did not create (left alone; their slots stay empty). */
export function squatters(d: DesiredState, snapshot: Snapshot): string[] {
  if (d.pool.size === 0) return [];
  return [...snapshot.sessions.values()]
    .filter((s) => !s.owned && isPoolName(d, s.name))
    .map((s) => `session ${s.name} has a pool name but was not created by agentpool; it is left alone and its slot stays empty`);
}

/** Problems are logged when they appear and when they are resolved, not on every pass. */
export class ProblemLog {
  private reported = new Set<string>();

  constructor(private readonly log: Logger) {}

  report(problems: readonly string[]): void {
    const now = new Set(problems);
    for (const p of now) if (!this.reported.has(p)) this.log.warn(p);
    for (const p of this.reported) if (!now.has(p)) this.log.info({ resolved: p }, 'problem resolved');
    this.reported = now;
  }
}
