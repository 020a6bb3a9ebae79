import { dirname, join } from 'node:path';

/** The four folders of a project's queue; `inbox` may be configured, the others sit beside it. */
export interface QueueDirs {
  inbox: string;
  active: string;
  done: string;
  failed: string;
}

export function queueDirs(inbox: string): QueueDirs {
  const root = dirname(inbox);
  return { inbox, active: join(root, 'active'), done: join(root, 'done'), failed: join(root, 'failed') };
}

/**
 * Only `*.md` files that are not dotfiles are tasks. So `*.tmp`, `*.part`, editor swap files and the older
 * dispatcher's `*.md.dispatched` are never taken.
 */
export function isTaskName(name: string): boolean {
  return name.endsWith('.md') && !name.startsWith('.') && name.length > 3;
}

/**
 * Why a file in an inbox that is not a task but looks meant as one (`later.MD`, `notes.txt`,
 * `plan.markdown`) is left alone; null for anything else (temp, swap and hidden files, `*.md.dispatched`).
 */
export function notATask(name: string): string | null {
  if (isTaskName(name) || name.startsWith('.') || !/\.(md|markdown|txt)$/i.test(name)) return null;
  return 'not a task: only files named *.md are (rename it to run it)';
}

export const SIDECAR_SUFFIX = '.state.json';
export const RESULT_SUFFIX = '.result.json';
