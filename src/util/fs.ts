import { stat } from 'node:fs/promises';

/** True when `path` is a directory (following symlinks); false when it is anything else or missing. */
export function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}
