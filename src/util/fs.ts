import { access, readFile, stat } from 'node:fs/promises';
import { poll } from './poll.js';

/** True when `path` is a directory (following symlinks); false when it is anything else or missing. */
export function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

/** True when something is at `path`. */
export function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** The text of `path` once it exists, waiting up to `ms`; null when it did not appear. */
export async function waitForFile(path: string, ms: number): Promise<string | null> {
  let text: string | null = null;
  await poll(async () => (text = await readFile(path, 'utf8').catch(() => null)) !== null, ms);
  return text;
}
