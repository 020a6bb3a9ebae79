/**
 * Runs jobs of one key one after another and jobs of different keys at once: for read-modify-writes of
 * one file, or commands on one git repository, started by slots that act concurrently.
 */
const tails = new Map<string, Promise<unknown>>();

export function serially<T>(key: string, job: () => Promise<T>): Promise<T> {
  const run = (tails.get(key) ?? Promise.resolve()).catch(() => {}).then(job);
  tails.set(key, run);
  // The map holds only the last job of each key, and only until it settles.
  void run.catch(() => {}).then(() => { if (tails.get(key) === run) tails.delete(key); });
  return run;
}
