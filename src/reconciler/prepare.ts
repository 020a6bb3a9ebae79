import { pruneWorktrees } from '../git/worktree.js';
import { ensureQueueDirs } from '../tasks/ledger.js';
import { queueDirs } from '../tasks/layout.js';
import type { Act } from './act-context.js';
import type { Action } from './actions.js';

/**
 * Creates a project's queue folders and, for worktree isolation, lets git forget task worktrees whose
 * folders are gone (`git worktree prune`). Failures are logged; the scanner looks at a project's folders
 * once (scan.ts), so a person fixes what the log says and restarts or reloads.
 */
export async function prepareProject(x: Act, a: Extract<Action, { kind: 'prepare-project' }>): Promise<void> {
  const p = x.d.projects.find((q) => q.path === a.path);
  if (!p) return; // the config changed since the pass looked
  try {
    await ensureQueueDirs(p.inbox);
    x.log.info({ project: p.name, queue: queueDirs(p.inbox) }, 'created the queue folders of the project');
  } catch (err) {
    x.log.warn({ project: p.path, err: (err as Error).message }, 'cannot create the queue folders');
    return;
  }
  if (p.isolation === 'worktree') await pruneWorktrees(p.path).catch((err: Error) => x.log.warn({ project: p.path, err: err.message }, 'cannot prune the git worktrees of the project'));
}
