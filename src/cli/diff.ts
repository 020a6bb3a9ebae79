import { execa } from 'execa';
import { defaultConfigPath, loadDesired } from '../config/load.js';
import type { DesiredState } from '../config/types.js';
import type { TaskRow } from '../tasks/list.js';
import { taskDiffTarget } from '../git/task-diff.js';
import { findTask } from './find-task.js';
import { UsageError, type CliValues } from './main.js';

/**
 * `agentpool diff TASK`: what the task's attempt changed against the commit it started from: its
 * worktree (committed and uncommitted) while that is there, else its branch. git prints it, through its
 * pager on a terminal.
 */
export async function diffCommand(v: CliValues, task: string | undefined): Promise<number> {
  if (!task) throw new UsageError('diff needs a task: a file name such as fix-login.md, or its path');
  const d = await loadDesired(v.config ?? defaultConfigPath());
  const row = await findTask(d, task);
  const target = await diffTarget(d, row);
  const r = await execa('git', ['diff', '--stat', '--patch', ...target.args], { cwd: target.cwd, stdio: 'inherit', reject: false });
  // git diff leaves out files git does not track yet; say which, so nothing the agent made goes unseen.
  if (target.args.length === 1) {
    const status = await execa('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: target.cwd, reject: false });
    const untracked = String(status.stdout).split('\n').filter((l) => l.startsWith('?? ')).map((l) => l.slice(3));
    if (untracked.length) process.stdout.write(`\nnot tracked by git yet (not in the diff above), in ${target.cwd}:\n${untracked.map((f) => `  ${f}`).join('\n')}\n`);
  }
  return r.exitCode ?? 1;
}

async function diffTarget(d: DesiredState, row: TaskRow): Promise<{ cwd: string; args: string[] }> {
  const target = await taskDiffTarget(d, row);
  if ('error' in target) throw new UsageError(target.error);
  return target;
}
