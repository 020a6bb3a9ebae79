import type { DesiredState } from '../config/types.js';
import type { TaskRow } from '../tasks/list.js';
import { readActive, readResult } from '../tasks/store.js';
import { exists } from '../util/fs.js';
import { git } from '../util/git.js';

/**
 * What `git diff` compares for a task's attempt (`agentpool diff`, the dashboard's task page): its worktree
 * against the commit it started from while the worktree is there (what is committed and what is not), else
 * its branch's head against that commit. A reason instead when there is nothing to compare.
 */
export async function taskDiffTarget(d: DesiredState, row: TaskRow): Promise<{ cwd: string; args: string[] } | { error: string }> {
  const project = d.projects.find((p) => p.name === row.project);
  if (!project) return { error: `${row.name} is in no project of the config` };
  if (row.state === 'inbox') return { error: `${row.name} has not started yet: it is in the inbox` };
  const w = row.state === 'active' ? (await readActive(row.path))?.sidecar.worktree : null;
  const g = row.state === 'active' ? null : (await readResult(row.path))?.git;
  const base = w?.base ?? g?.base;
  if (!base) {
    return { error: `${row.name} has no branch to compare: ${project.isolation === 'worktree' ? 'no attempt has made its worktree yet' : 'its project runs tasks in the project folder (isolation: none)'}` };
  }
  const worktree = w?.path ?? (g?.kept ? g.worktree : null);
  if (worktree && (await exists(worktree))) return { cwd: worktree, args: [base] };
  const head = g?.head ?? w?.branch;
  if (!head) return { error: `${row.name}'s branch ${g?.branch ?? ''} was never made (its attempt ended before its worktree was ready)` };
  return { cwd: project.path, args: [base, head] };
}

/** The task's diff as git prints it (a patch), or why there is none. */
export async function taskDiff(d: DesiredState, row: TaskRow): Promise<{ patch: string } | { error: string }> {
  const target = await taskDiffTarget(d, row);
  if ('error' in target) return target;
  return { patch: await git(target.cwd, ['diff', '--patch', '--no-color', ...target.args]) };
}
