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

export const SIDECAR_SUFFIX = '.state.json';
export const RESULT_SUFFIX = '.result.json';
