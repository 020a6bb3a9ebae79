import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from '../util/pid.js';

export class LockHeldError extends Error {
  constructor(readonly pid: number, readonly file: string) {
    super(`another agentpool controller (pid ${pid}) is running on this pool (lock ${file}); stop it first`);
  }
}

/**
 * One controller per state directory. The lock file holds the owner's pid; a lock whose process is gone is
 * stale and taken over. Returns a release function.
 */
export async function acquireLock(stateDir: string): Promise<() => Promise<void>> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = join(stateDir, 'controller.lock');
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.sync();
      await fh.close();
      return async () => {
        const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
        if (owner === process.pid) await unlink(file).catch(() => {});
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (pid > 0 && pid !== process.pid && isAlive(pid)) throw new LockHeldError(pid, file);
      await unlink(file).catch(() => {}); // stale: its owner is gone
    }
  }
  throw new Error(`could not take the controller lock ${file}`);
}
