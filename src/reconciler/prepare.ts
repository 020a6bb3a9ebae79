import type { Logger } from 'pino';
import type { DesiredState, ProjectSpec } from '../config/types.js';
import { pruneWorktrees } from '../git/worktree.js';
import { ensureQueueDirs } from '../tasks/ledger.js';
import { isDirectory } from '../util/fs.js';

/** The projects whose folder exists but whose inbox does not: start and reload create their queue folders. */
export async function projectsToPrepare(d: DesiredState): Promise<ProjectSpec[]> {
  const out: ProjectSpec[] = [];
  for (const p of d.projects) if ((await isDirectory(p.path)) && !(await isDirectory(p.inbox))) out.push(p);
  return out;
}

/**
 * Creates the queue folders of projects that exist (a missing project is reported by each pass), and
 * lets git forget task worktrees whose folders are gone (`git worktree prune`). Failures are logged.
 */
export async function prepareProjects(d: DesiredState, log: Logger): Promise<void> {
  for (const p of d.projects) {
    if (!(await isDirectory(p.path))) continue;
    await ensureQueueDirs(p.inbox).catch((err: Error) => log.warn({ project: p.path, err: err.message }, 'cannot create the queue folders'));
    if (p.isolation === 'worktree') await pruneWorktrees(p.path).catch((err: Error) => log.warn({ project: p.path, err: err.message }, 'cannot prune the git worktrees of the project'));
  }
}
