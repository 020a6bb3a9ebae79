import { defaultConfigPath, loadDesired } from '../config/load.js';
import { pruneOrphans, taskWorktrees } from '../git/task-worktrees.js';
import { deleteBranch, mergedTaskBranches } from '../git/worktree.js';
import type { CliValues } from './main.js';
import { table } from './table.js';

/** `agentpool worktrees [--prune]`: the task worktrees of every project, and removing the orphaned ones. */
export async function worktreesCommand(v: CliValues): Promise<number> {
  const d = await loadDesired(v.config ?? defaultConfigPath());
  const all = await taskWorktrees(d);
  if (v.prune) {
    const results = await pruneOrphans(d, all);
    for (const r of results) process.stdout.write(r.error ? `kept ${r.path}: ${r.error}\n` : `removed ${r.path} (its branch stays)\n`);
    if (!results.length) process.stdout.write('no orphaned task worktrees\n');
    // worktree.branches: delete-merged: the task branches whose work is in the project's HEAD go too.
    let failed = results.some((r) => r.error);
    for (const p of d.projects.filter((x) => x.isolation === 'worktree' && x.worktree.branches === 'delete-merged')) {
      const { repo, branches } = await mergedTaskBranches(p.path);
      for (const b of branches) {
        await deleteBranch(repo, b).then(() => process.stdout.write(`deleted branch ${b} of ${p.name}: merged into HEAD\n`), (err: Error) => {
          failed = true;
          process.stdout.write(`kept branch ${b} of ${p.name}: ${err.message}\n`);
        });
      }
    }
    return failed ? 1 : 0;
  }
  if (v.output === 'json') {
    process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
    return 0;
  }
  if (!all.length) {
    process.stdout.write(d.projects.some((p) => p.isolation === 'worktree') ? 'no task worktrees\n' : 'no project has isolation: worktree\n');
    return 0;
  }
  process.stdout.write(table(['PROJECT', 'STATE', 'BRANCH', 'TASK', 'WORKTREE'], all.map((w) => [w.project, w.state, w.branch ?? '(detached)', w.task ?? '', w.path])));
  const orphans = all.filter((w) => w.state === 'orphaned').length;
  if (orphans) process.stdout.write(`\n${orphans} orphaned: no task refers to them; agentpool worktrees --prune removes them (their branches stay, but for merged ones with worktree.branches: delete-merged)\n`);
  return 0;
}
