import type { Repair } from '../backend/session-backend.js';

/** How long the host may go on failing, after its strays were ended, before its server is ended. */
export const RESTART_AFTER_MS = 15_000;
/** The first retry after a failing look, doubling to the cap: never a tight loop, never long to notice. */
const RETRY_FIRST_MS = 500;
const RETRY_CAP_MS = 5_000;

/** What to do about a failing look at the host. */
export interface HealthStep {
  /** Repair to ask of the backend now, if any. */
  repair: Repair | null;
  /** Look again after this long. */
  retryInMs: number;
  /** What the controller does about it, for the status problems and the log; stable while nothing changes. */
  plan: string;
}

/**
 * The controller's policy for a host that misbehaves (refuses connections, does not answer within its
 * deadline, answers garbage): every failing look ends what dead controllers left attached (cheap, exact,
 * harmless); looks again on a backoff, never in a tight loop; and once it has failed for RESTART_AFTER_MS
 * in a row, ends the host's server and starts afresh — only when nothing but the pool lives there (the
 * sessions on it cannot be reached anyway, and their tasks are requeued by the usual crash rules).
 */
export class BackendHealth {
  private since: number | null = null;
  private failures = 0;

  /**
   * A look at the host failed at `now`. `mayRestart`: nothing but the pool lives on the host (no
   * dedicated session is configured, none that is not ours was seen), so its server may be ended.
   */
  failed(now: number, mayRestart: boolean): HealthStep {
    this.since ??= now;
    this.failures++;
    const retryInMs = Math.min(RETRY_CAP_MS, RETRY_FIRST_MS * 2 ** (this.failures - 1));
    const restartAt = this.since + RESTART_AFTER_MS;
    if (mayRestart && now >= restartAt) {
      // The next failure counts from here: a server that fails again gets the same wait before another restart.
      this.since = null;
      this.failures = 0;
      return { repair: 'restart', retryInMs: RETRY_FIRST_MS, plan: 'agentpool ends the tmux server now and starts a new one; the tasks of its sessions are requeued' };
    }
    const again = `agentpool ends stray command channels and looks again after ${RETRY_FIRST_MS / 1000} s, doubling to every ${RETRY_CAP_MS / 1000} s`;
    const plan = mayRestart
      ? `${again}; if it still fails at ${clockTime(restartAt)} it ends the server and starts a new one (its tasks are requeued)`
      : `${again}; it will not end the server, which hosts sessions that are not the pool's: end it yourself if it stays like this`;
    return { repair: 'strays', retryInMs, plan };
  }

  /** A look succeeded: true when the host was failing until now. */
  ok(): boolean {
    const was = this.since !== null || this.failures > 0;
    this.since = null;
    this.failures = 0;
    return was;
  }
}

function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}
