import { basename } from 'node:path';
import type { ProjectSpec } from '../config/types.js';
import { worktreeRoot } from '../git/task-worktrees.js';
import {
  branchWarmWorktree, commitLeftovers, createWarmWorktree, createWorktree, deleteBranch, inspectWorktree, removeWarmWorktree, removeWorktree, WorktreeError,
  type WarmWorktree,
} from '../git/worktree.js';
import { Attempt } from '../tasks/attempt.js';
import type { GitRecord } from '../tasks/types.js';
import { isDirectory } from '../util/fs.js';
import type { Act } from './act-context.js';
import { taskId } from '../tasks/task-id.js';

/**
 * Where a task attempt works (projects[].isolation). `none`: the project folder. `worktree`: a git worktree
 * of its own, named in the task's sidecar before it is made, and closed when the attempt ends: what the
 * agent left is committed (commit: auto), reported in the record, and the worktree kept or removed by the
 * project's keep policy. Everything here reads the sidecar, so a controller that died midway does the
 * rest on the task's next settle; each step is safe to repeat.
 */

/**
 * The folder the task's agent starts in, and the folder whose trust covers it: Claude Code 2.1.330 takes a
 * git worktree as trusted when its main repository is (tried: no trust question in a worktree of a trusted
 * repository, the question in the same worktree once that entry was gone), so `trust: true` records the
 * repository once instead of one entry per task.
 */
export interface Workspace {
  cwd: string;
  trust: string;
  /** The folder the agent works in and may write: its worktree, or the project's folder. */
  root: string;
}

/** Where the task's agent starts, or why it cannot start. */
export async function openWorkspace(x: Act, attempt: Attempt, project: ProjectSpec): Promise<Workspace | { error: string }> {
  if (project.isolation !== 'worktree') return { cwd: project.path, trust: project.path, root: project.path };
  const task = attempt.path;
  const recorded = attempt.sidecar?.worktree;
  // A launch after the worktree was made (a controller restarted between the two) uses it as it is.
  if (recorded) {
    if (await isDirectory(recorded.cwd)) return { cwd: recorded.cwd, trust: recorded.repo, root: recorded.path };
    return { error: `the task's worktree ${recorded.path} is gone; the next attempt gets a new one` };
  }
  try {
    // The task's own `base:` (a fleet host resumes a task from its pushed branch), else the project's.
    const base = (await attempt.task().catch(() => null))?.meta.base ?? project.worktree.baseRef;
    const w = await createWorktree(
      { project: project.path, root: worktreeRoot(x.d, project), taskName: basename(task), baseRef: base },
      (planned) => attempt.worktree(planned),
    );
    x.log.info({ task, ...taskId(x.d, task), worktree: w.path, branch: w.branch, base: w.base, mainTreeChanges: w.mainTreeChanges }, 'made a worktree for the task');
    // A project folder that is not in the base commit (new, or ignored by git) is not in the worktree either.
    if (!(await isDirectory(w.cwd))) {
      return { error: `the project folder ${project.path} is not in the base commit ${w.base.slice(0, 12)}, so the worktree has no ${w.cwd}: commit it, or set isolation: none` };
    }
    if (w.mainTreeChanges > 0) {
      x.log.info({ task, project: project.path, files: w.mainTreeChanges }, 'the project has uncommitted changes; the task\'s worktree starts from the base commit without them');
    }
    return { cwd: w.cwd, trust: w.repo, root: w.path };
  } catch (err) {
    if (err instanceof WorktreeError) return { error: err.message };
    return { error: `cannot make the task's worktree: ${(err as Error).message}` };
  }
}

/**
 * Ends the attempt's worktree, if it has one: commits leftovers (commit: auto), reports the branch, and
 * keeps or removes the worktree. Returns the record's `git`, or null for a task without a worktree.
 * `of`: the attempt as its step opened it, or the task's path in active/.
 */
export async function closeWorkspace(x: Act, of: Attempt | string, outcome: 'done' | 'failed' | 'requeued'): Promise<GitRecord | null> {
  const attempt = typeof of === 'string' ? await Attempt.open(of) : of;
  const task = attempt.path;
  const w = attempt.sidecar?.worktree;
  if (!attempt.sidecar || !w) return null;
  const project = x.d.projects.find((p) => p.path === attempt.sidecar!.project);
  const policy = project?.worktree ?? { keep: 'failed', commit: 'off', branches: 'delete-empty' };
  let autoCommit: string | null = null;
  if (policy.commit === 'auto') {
    try {
      autoCommit = await commitLeftovers(w, await titleOf(attempt));
      if (autoCommit) x.log.info({ task, branch: w.branch, commit: autoCommit }, 'committed what the agent left uncommitted (commit: auto)');
    } catch (err) {
      x.log.warn({ task, worktree: w.path, err: (err as Error).message }, 'could not commit what the agent left uncommitted; the worktree is kept');
    }
  }
  const report = await inspectWorktree(w);
  const madeSomething = report.commits.length > 0 || report.uncommitted > 0;
  const wanted = policy.keep === 'always' || (policy.keep === 'failed' && outcome !== 'done' && madeSomething);
  let kept = wanted || report.uncommitted > 0;
  if (report.uncommitted > 0 && !wanted) {
    x.log.warn({ task, worktree: w.path, files: report.uncommitted }, 'kept the task\'s worktree: it has changes that are not on a commit');
  }
  if (!kept) {
    try {
      await removeWorktree(w);
    } catch (err) {
      kept = true;
      x.log.warn({ task, worktree: w.path, err: (err as Error).message }, 'could not remove the task\'s worktree; it is kept');
    }
  }
  // A branch the attempt made no commit on says nothing (it never reached an agent, or changed nothing).
  let branchDeleted = false;
  if (!kept && report.commits.length === 0 && policy.branches !== 'keep') {
    branchDeleted = await deleteBranch(w.repo, w.branch).then(() => true, (err: Error) => {
      x.log.warn({ task, branch: w.branch, err: err.message }, 'could not delete the task\'s empty branch; it stays');
      return false;
    });
  }
  x.log.info({ task, ...taskId(x.d, task), branch: report.branch, commits: report.commits.length, ...report.diffstat, uncommitted: report.uncommitted, worktree: kept ? w.path : null, branchDeleted }, 'closed the task\'s worktree');
  return { ...report, worktree: w.path, kept, mainTreeChanges: w.mainTreeChanges, autoCommit, ...(branchDeleted ? { branchDeleted: true as const } : {}) };
}

/** The task's title for a commit message: its `title:`, else its first line, else its file name. */
async function titleOf(attempt: Attempt): Promise<string> {
  const task = attempt.path;
  const parsed = await attempt.task().catch(() => null);
  const firstLine = parsed?.body.split('\n').map((l) => l.replace(/^#+\s*/, '').trim()).find(Boolean);
  return (parsed?.meta.title ?? firstLine ?? basename(task, '.md')).slice(0, 200);
}

/**
 * Prewarm in a project with isolation: worktree: the worktree a warm agent waits in, made ahead at the
 * base commit without a branch (earlier ones of this session that nobody uses are removed first).
 */
export async function openWarmWorkspace(x: Act, project: ProjectSpec, session: string): Promise<WarmWorktree | { error: string }> {
  const inUse = new Set(x.slots.views().flatMap((v) => (v.warm?.worktree ? [v.warm.worktree.path] : [])));
  try {
    const w = await createWarmWorktree({ project: project.path, root: worktreeRoot(x.d, project), session, baseRef: project.worktree.baseRef, inUse: (p) => inUse.has(p) });
    if (!(await isDirectory(w.cwd))) {
      await removeWarmWorktree(w).catch(() => {});
      return { error: `the project folder ${project.path} is not in the base commit ${w.base.slice(0, 12)}, so the worktree has no ${w.cwd}: commit it, or set isolation: none` };
    }
    x.log.info({ session, project: project.path, worktree: w.path, base: w.base }, 'made a worktree for a warm agent');
    return w;
  } catch (err) {
    return { error: err instanceof WorktreeError ? err.message : `cannot make a worktree for the warm agent: ${(err as Error).message}` };
  }
}

/**
 * The task given to a warm agent of a worktree project takes its worktree: the sidecar names it (with its
 * new branch) before the branch is made, so the attempt's worktree is closed like any other.
 */
export async function claimWarmWorkspace(x: Act, attempt: Attempt, project: ProjectSpec, w: WarmWorktree): Promise<{ error: string } | null> {
  const task = attempt.path;
  try {
    const base = (await attempt.task().catch(() => null))?.meta.base ?? project.worktree.baseRef;
    const t = await branchWarmWorktree(w, { taskName: basename(task), baseRef: base }, (planned) => attempt.worktree(planned));
    x.log.info({ task, ...taskId(x.d, task), worktree: t.path, branch: t.branch, base: t.base, mainTreeChanges: t.mainTreeChanges }, 'gave the warm agent\'s worktree to the task');
    return null;
  } catch (err) {
    return { error: `cannot give the warm agent's worktree a branch for the task: ${(err as Error).message}` };
  }
}

/** A warm agent's worktree that no task took goes with its agent (git keeps one with changes). */
export async function closeWarmWorkspace(x: Act, session: string, w: WarmWorktree | undefined): Promise<void> {
  if (!w) return;
  await removeWarmWorktree(w).then(
    () => x.log.info({ session, worktree: w.path }, 'removed the worktree of a warm agent that took no task'),
    (err: Error) => x.log.warn({ session, worktree: w.path, err: err.message }, 'could not remove the worktree of a warm agent; it is kept'),
  );
}
