import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, unlink } from 'node:fs/promises';

/**
 * The files agentpool keeps per session (hook settings, the agent's event log) are private: folders 0700,
 * files 0600, created fresh (O_EXCL, which never follows a symlink) and read only when they are regular
 * files owned by us. A planted symlink or someone else's file is refused, never followed.
 */
export class NotOursError extends Error {}

export async function privateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  const st = await lstat(path);
  if (!st.isDirectory() || st.isSymbolicLink()) throw new NotOursError(`${path} is not a directory agentpool made`);
  if (!ownedByUs(st.uid)) throw new NotOursError(`${path} belongs to uid ${st.uid}, not to this user`);
  if ((st.mode & 0o077) !== 0) await chmod(path, 0o700);
}

/** Replaces `path` with a new private file holding `content`. */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  const fh = await open(path, 'wx', 0o600);
  try {
    await fh.writeFile(content);
  } finally {
    await fh.close();
  }
}

/**
 * Reads a file only if it is a regular file of ours; '' when it does not exist. Opened first (never
 * following a symlink) and then looked at, so a file replaced or renamed between the two cannot be read by
 * mistake or fail the read (a launch renames the events file away while a pass may be reading it).
 */
export async function readOwnedFile(path: string): Promise<string> {
  return (await readOwnedFileAt(path))?.text ?? '';
}

/** readOwnedFile, with the time the file last changed (ms since the epoch); null when it does not exist. */
export async function readOwnedFileAt(path: string): Promise<{ text: string; changedAt: number } | null> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    if (err.code === 'ELOOP') throw new NotOursError(`${path} is a symbolic link; refusing to read it`);
    throw err;
  });
  if (!fh) return null;
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotOursError(`${path} is not a regular file; refusing to read it`);
    if (!ownedByUs(st.uid)) throw new NotOursError(`${path} belongs to uid ${st.uid}, not to this user; refusing to read it`);
    return { text: await fh.readFile('utf8'), changedAt: st.mtimeMs };
  } finally {
    await fh.close();
  }
}

function ownedByUs(uid: number): boolean {
  return typeof process.getuid !== 'function' || uid === process.getuid();
}
