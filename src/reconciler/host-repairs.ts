import type { Logger } from 'pino';
import type { Repair, SessionBackend } from '../backend/session-backend.js';
import type { DesiredState } from '../config/types.js';
import { BackendHealth, type HealthStep } from './backend-health.js';
import type { Snapshot } from './snapshot.js';

/**
 * A host that misbehaves, as a pass meets it: the health policy's step for each look (backend-health.ts),
 * carried out through the backend's repairs, said in the log, and remembered for the status file.
 */
export class HostRepairs {
  private readonly policy = new BackendHealth();
  /** A session not ours was seen on the host in this run: its server is never ended. */
  private foreignSeen = false;
  /** What was done to the host, most recent last (at most 10). */
  done: ReadonlyArray<{ at: number; what: string }> = [];

  constructor(private readonly backend: SessionBackend, private readonly log: Logger) {}

  /**
   * What to do about the host this pass: nothing when it answered (or cannot work at all, which a person
   * must fix); else the policy's step. Its server may be ended only when nothing but the pool lives there:
   * no dedicated session configured, none not ours ever seen.
   */
  step(d: DesiredState, snapshot: Snapshot): HealthStep | null {
    if (!snapshot.backend.ok && !snapshot.backend.hopeless) return this.policy.failed(snapshot.now, d.dedicated.length === 0 && !this.foreignSeen);
    const foreign = snapshot.backend.ok && !this.foreignSeen ? [...snapshot.sessions.values()].find((s) => !s.owned) : undefined;
    if (foreign) {
      this.foreignSeen = true;
      this.log.info({ session: foreign.name }, 'a session that is not the pool\'s lives on the tmux server: agentpool will never end that server');
    }
    if (this.policy.ok()) this.log.info('tmux answers again');
    return null;
  }

  /** Asks the backend to repair itself; says what it did. Never throws: the next look tries again. */
  async repair(how: Repair): Promise<void> {
    if (!this.backend.repair) return;
    try {
      for (const did of await this.backend.repair(how)) {
        this.log.warn({ repair: how }, `tmux: ${did}`);
        this.done = [...this.done, { at: Date.now(), what: did }].slice(-10);
      }
    } catch (err) {
      this.log.error({ repair: how, err: (err as Error).message }, 'tmux: the repair failed; the next look tries again');
    }
  }
}
