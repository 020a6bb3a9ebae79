import type { Logger } from 'pino';
import type { PassResult } from './reconciler.js';

export interface LoopOptions {
  pass: () => Promise<PassResult>;
  /** The periodic resync, read each time so a config reload can change it. */
  resyncMs: () => number;
  log: Logger;
}

/**
 * A pass that cannot succeed until a person acts (its message says what to do): the loop stops retrying,
 * says so once, and waits for `resume` (a config change) instead of failing every 30 s forever.
 */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

/**
 * The controller's machinery, apart from its logic: wake-ups are coalesced (a wake during a pass runs one
 * more pass after it), one pass at a time, a resync timer, delayed re-runs (`requeueAfterMs`), retry with
 * backoff when a pass throws, and a halt on a TerminalError. It knows nothing of tmux or machines.
 */
export class Loop {
  private running = false;
  private dirty = false;
  private stopped = false;
  /** Set by a TerminalError: wakes are ignored until resume(). */
  private halted = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private current: Promise<void> = Promise.resolve();
  private reasons = new Set<string>();
  private later = new Set<NodeJS.Timeout>();

  constructor(private readonly o: LoopOptions) {}

  wake(reason: string): void {
    if (this.stopped || this.halted) return;
    this.reasons.add(reason);
    this.dirty = true;
    if (!this.running) this.current = this.run();
  }

  /** Wakes after `ms`: a retry after something failed, never sooner. */
  wakeAfter(ms: number, reason: string): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.later.delete(t);
      this.wake(reason);
    }, ms);
    this.later.add(t);
  }

  /** Runs again after a halt (or just wakes): something a person changed may have fixed it. */
  resume(reason: string): void {
    this.halted = false;
    this.wake(reason);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const t of this.later) clearTimeout(t);
    this.later.clear();
    await this.current;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.dirty && !this.stopped) {
        this.dirty = false;
        const reasons = [...this.reasons];
        this.reasons.clear();
        let next = this.o.resyncMs();
        const started = performance.now();
        try {
          const r = await this.o.pass();
          this.failures = 0;
          if (r.requeueAfterMs !== undefined) next = Math.min(next, r.requeueAfterMs);
          // The pass said when from the moment it looked: a pass that took 400 ms must not make a task due
          // (a not_before, a retry, a settled file) wait 400 ms more.
          next = Math.max(0, next - (performance.now() - started));
        } catch (err) {
          if (err instanceof TerminalError) {
            this.halted = true;
            this.dirty = false;
            clearTimeout(this.timer);
            this.o.log.error({ err: err.message }, 'reconcile cannot go on until this is fixed; no more retries until the config file changes or the controller restarts');
            return;
          }
          this.failures++;
          next = retryDelay(this.failures);
          this.o.log.error({ err: (err as Error).message, why: reasons, retryInMs: next }, 'reconcile pass failed');
        }
        this.schedule(next);
      }
    } finally {
      this.running = false;
    }
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => this.wake('timer'), ms);
  }
}

/** The retry policy of a failing pass: 0.5 s doubling to 30 s. */
export function retryDelay(failures: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, failures - 1));
}
