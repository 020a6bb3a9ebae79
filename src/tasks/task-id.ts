import { basename, dirname } from 'node:path';
import type { DesiredState, ProjectSpec } from '../config/types.js';

/** How projects and tasks are named in logs, views and folders of agentpool's own. */

/** A project's name, by its path; a folder no longer in the config by its last segment. */
export function projectName(d: DesiredState, path: string): string {
  return d.projects.find((p) => p.path === path)?.name ?? basename(path);
}

/** The project whose queue holds the task file at `path` (in any of inbox/, active/, done/, failed/). */
export function projectOfTask(d: DesiredState, path: string): ProjectSpec | undefined {
  const root = dirname(dirname(path));
  return d.projects.find((p) => dirname(p.inbox) === root);
}

/**
 * A task's name in logs that stays the same while its file moves (inbox → active → done):
 * `<project name>/<file name>`, with the project's name.
 */
export function taskId(d: DesiredState, path: string): { taskId: string; project: string } {
  const project = projectOfTask(d, path)?.name ?? basename(dirname(dirname(dirname(path))));
  return { taskId: `${project}/${basename(path)}`, project };
}
