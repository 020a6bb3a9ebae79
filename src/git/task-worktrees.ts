import { realpath } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import type { DesiredState, ProjectSpec } from '../config/types.js';
import { listTasks } from '../tasks/list.js';
import { readActive, readResult } from '../tasks/store.js';
import { listWorktrees, removeWorktree, topOf } from './worktree.js';

/**
 * The task worktrees agentpool made, found from git's own list (never by scanning folders), each with the
 * task that refers to it: `active` (a task at work there), `kept` (a finished or retried attempt's, kept
 * by the keep policy or because it holds uncommitted work), `warm` (made ahead for a warm agent, detached
 * at the base commit: the controller removes it when its agent goes without a task, or when that session
 * warms again), or `orphaned` (no task refers to it: its task file was moved away, or a controller died
 * between making it and recording it).
 */
export interface TaskWorktree {
  project: string;
  path: string;
  branch: string | null;
  state: 'active' | 'kept' | 'warm' | 'orphaned';
  /** The task file that refers to it. */
  task: string | null;
}

/** Folder of a project's task worktrees: <stateDir>/worktrees/<project name>. */
export function worktreeRoot(d: DesiredState, project: ProjectSpec): string {
  return join(d.controller.stateDir, 'worktrees', project.name);
}

export async function taskWorktrees(d: DesiredState): Promise<TaskWorktree[]> {
  const out: TaskWorktree[] = [];
  for (const p of d.projects.filter((x) => x.isolation === 'worktree')) {
    const root = (await realpath(worktreeRoot(d, p)).catch(() => worktreeRoot(d, p))) + sep;
    const ours = (await listWorktrees(p.path).catch(() => [])).filter((w) => w.path.startsWith(root));
    if (!ours.length) continue;
    const refs = await referencedBy(p);
    for (const w of ours) {
      const ref = refs.get(w.path);
      const warm = !ref && w.branch === null && basename(w.path).startsWith('warm-');
      out.push({ project: p.name, path: w.path, branch: w.branch, state: ref?.state ?? (warm ? 'warm' : 'orphaned'), task: ref?.task ?? null });
    }
  }
  return out;
}

/**
 * Removes orphaned task worktrees (`git worktree remove`: one with uncommitted work is refused and
 * reported). Each is looked up again just before: a task that moved from active/ to done/ while the list
 * was read can make its worktree look orphaned for a moment.
 */
export async function pruneOrphans(d: DesiredState, orphans: readonly TaskWorktree[]): Promise<Array<{ path: string; error?: string }>> {
  const out: Array<{ path: string; error?: string }> = [];
  for (const o of orphans.filter((x) => x.state === 'orphaned')) {
    const project = d.projects.find((p) => p.name === o.project)!;
    if ((await referencedBy(project)).has(o.path)) continue;
    try {
      await removeWorktree({ repo: await topOf(project.path), path: o.path });
      out.push({ path: o.path });
    } catch (err) {
      out.push({ path: o.path, error: (err as Error).message });
    }
  }
  return out;
}

/** Worktree path → the task that refers to it, from active sidecars and settled records with their histories. */
async function referencedBy(p: ProjectSpec): Promise<Map<string, { state: 'active' | 'kept'; task: string }>> {
  const refs = new Map<string, { state: 'active' | 'kept'; task: string }>();
  for (const row of await listTasks([p], ['active', 'done', 'failed'])) {
    if (row.state === 'active') {
      const s = (await readActive(row.path))?.sidecar;
      for (const h of s?.history ?? []) if (h.git?.kept) refs.set(h.git.worktree, { state: 'kept', task: row.path });
      if (s?.worktree) refs.set(s.worktree.path, { state: 'active', task: row.path });
    } else {
      const r = await readResult(row.path);
      for (const h of r?.history ?? []) if (h.git?.kept) refs.set(h.git.worktree, { state: 'kept', task: row.path });
      if (r?.git?.kept) refs.set(r.git.worktree, { state: 'kept', task: row.path });
    }
  }
  return refs;
}
