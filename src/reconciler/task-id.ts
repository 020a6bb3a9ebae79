import { basename, dirname } from 'node:path';
import type { DesiredState } from '../config/types.js';

/**
 * A task's name in logs that stays the same while its file moves (inbox → active → done):
 * `<project name>/<file name>`, with the project's name.
 */
export function taskId(d: DesiredState, path: string): { taskId: string; project: string } {
  const root = dirname(dirname(path));
  const project = d.projects.find((p) => dirname(p.inbox) === root)?.name ?? basename(dirname(root));
  return { taskId: `${project}/${basename(path)}`, project };
}
