/**
 * At most one piece of background work per key (a pool session) at a time: part of the loop's machinery,
 * not of its logic. The planner is told which keys are busy and plans nothing for them.
 */
export class InFlight {
  private readonly running = new Map<string, Promise<void>>();

  has(key: string): boolean {
    return this.running.has(key);
  }

  keys(): Set<string> {
    return new Set(this.running.keys());
  }

  /**
   * Runs `work` for `key` in the background and calls `done` once it settled (whatever its outcome); a
   * failure goes to `onError`. Refuses (false) while work for `key` still runs.
   */
  start(key: string, work: () => Promise<void>, onError: (err: Error) => void, done: () => void): boolean {
    if (this.running.has(key)) return false;
    const run = Promise.resolve()
      .then(work)
      .catch((err: Error) => onError(err))
      .finally(() => {
        this.running.delete(key);
        done();
      });
    this.running.set(key, run);
    return true;
  }

  /** Resolves once nothing runs, including work started while waiting. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
  }
}
