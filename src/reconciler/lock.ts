import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isAlive } from '../util/pid.js';

/** Who holds a lock, as written in the lock file. */
export interface LockOwner {
  pid: number;
  /** The config file the owner runs with. */
  config?: string;
}

export class LockHeldError extends Error {
  constructor(readonly owner: LockOwner, readonly file: string, readonly what: string) {
    super(
      `another agentpool controller (pid ${owner.pid}${owner.config ? `, config ${owner.config}` : ''}) is running on ${what} ` +
        `(lock ${file}); stop it first`,
    );
  }
}

/**
 * Takes the lock file `file` for this process: it holds the owner's pid and config file. A lock whose
 * process is gone is stale and taken over. `what` names what the lock guards, for the message. Returns a
 * release function that removes the file only while it is still ours.
 */
export async function acquireLock(file: string, what: string, config: string): Promise<() => Promise<void>> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      await fh.writeFile(`${JSON.stringify({ pid: process.pid, config } satisfies LockOwner)}\n`);
      await fh.sync();
      await fh.close();
      return async () => {
        if ((await readOwner(file))?.pid === process.pid) await unlink(file).catch(() => {});
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = await readOwner(file);
      if (owner && owner.pid !== process.pid && isAlive(owner.pid)) throw new LockHeldError(owner, file, what);
      await unlink(file).catch(() => {}); // stale: its owner is gone
    }
  }
  throw new Error(`could not take the controller lock ${file}`);
}

/** The lock's owner; a bare pid is the format of locks written before the config was recorded. */
async function readOwner(file: string): Promise<LockOwner | null> {
  const text = (await readFile(file, 'utf8').catch(() => '')).trim();
  try {
    const o = JSON.parse(text) as LockOwner;
    if (typeof o === 'object' && o !== null && Number(o.pid) > 0) return { pid: Number(o.pid), ...(typeof o.config === 'string' ? { config: o.config } : {}) };
    if (Number(o) > 0) return { pid: Number(o) };
  } catch {
    // a torn write: treated as stale
  }
  return null;
}

/**
 * The locks of a running controller, taken in order: one controller per backend host (`hostLock`, e.g.
 * beside the tmux server's socket), whatever its state directory, and one per state directory. Returns
 * one release for both; takes neither when the second is held.
 */
export async function acquireControllerLocks(hostLock: string, host: string, stateDir: string, config: string): Promise<() => Promise<void>> {
  const releaseHost = await acquireLock(hostLock, `the tmux server ${host}`, config);
  try {
    const releaseState = await acquireLock(join(stateDir, 'controller.lock'), `the state directory ${stateDir}`, config);
    return async () => {
      await releaseState();
      await releaseHost();
    };
  } catch (err) {
    await releaseHost();
    throw err;
  }
}
