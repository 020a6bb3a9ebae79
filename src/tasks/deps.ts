import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DesiredState, ProjectSpec } from '../config/types.js';
import { queueDirs } from './layout.js';
import { readResult } from './store.js';

/**
 * Where a task named by another's `after:` is now. `unknown`: in none of its project's four folders, or
 * `why` its name names no task at all (a project the config does not have).
 */
export type DepState = { at: 'inbox' | 'active' | 'done' } | { at: 'failed'; reason: string } | { at: 'unknown'; why: string };

/** `a.md` in `from`'s own queue, or `project/a.md` in another project's, as the key `<project name>/<file name>`. */
export function depKey(d: DesiredState, from: ProjectSpec, ref: string): { key: string; project?: ProjectSpec; name: string } {
  const slash = ref.indexOf('/');
  const projectName = slash === -1 ? from.name : ref.slice(0, slash);
  const name = slash === -1 ? ref : ref.slice(slash + 1);
  return { key: `${projectName}/${name}`, ...optional(d.projects.find((p) => p.name === projectName)), name };
}

const optional = (project: ProjectSpec | undefined) => (project ? { project } : {});

const FOLDERS = ['inbox', 'active', 'done', 'failed'] as const;

/**
 * Looks up each task named by an `after:` of `tasks` (by key: see depKey). Every pass, from the folders
 * themselves, so waiting survives restarts. A task moves inbox → active → done or failed, and each move is
 * one rename: looking in that order finds a task that moves while it is looked for.
 */
export async function locateDeps(
  d: DesiredState,
  tasks: ReadonlyArray<{ project: string; after?: readonly string[] }>,
): Promise<Map<string, DepState>> {
  const out = new Map<string, DepState>();
  const wanted = new Map<string, { project?: ProjectSpec; name: string }>();
  for (const t of tasks) {
    const from = d.projects.find((p) => p.path === t.project);
    if (!from || !t.after) continue;
    for (const ref of t.after) {
      const dep = depKey(d, from, ref);
      wanted.set(dep.key, dep);
    }
  }
  await Promise.all(
    [...wanted].map(async ([key, dep]) => {
      if (!dep.project) {
        const names = d.projects.map((p) => p.name).join(', ');
        out.set(key, { at: 'unknown', why: `no project is called ${key.slice(0, key.indexOf('/'))} (the projects: ${names})` });
        return;
      }
      const dirs = queueDirs(dep.project.inbox);
      for (const folder of FOLDERS) {
        const path = join(dirs[folder], dep.name);
        if (!(await lstat(path).then((st) => st.isFile(), () => false))) continue;
        if (folder === 'failed') {
          const record = await readResult(path);
          out.set(key, { at: 'failed', reason: record?.reason ?? 'no reason recorded' });
        } else out.set(key, { at: folder });
        return;
      }
      out.set(key, { at: 'unknown', why: `it is in none of project ${dep.project.name}'s queue folders (inbox, active, done, failed)` });
    }),
  );
  return out;
}
