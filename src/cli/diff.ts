import { access, realpath } from 'node:fs/promises';
import { basename } from 'node:path';
import { execa } from 'execa';
import { defaultConfigPath, loadDesired } from '../config/load.js';
import type { DesiredState } from '../config/types.js';
import { listTasks, type TaskRow } from '../tasks/list.js';
import { readActive, readResult } from '../tasks/store.js';
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

/** The one task `arg` names: by path, or by file name (with or without .md) in any project's queue. */
export async function findTask(d: DesiredState, arg: string): Promise<TaskRow> {
  const rows = await listTasks(d.projects);
  const real = await realpath(arg).catch(() => null);
  const byPath = real ? await Promise.all(rows.map(async (r) => ((await realpath(r.path).catch(() => r.path)) === real ? r : null))) : [];
  const found = byPath.filter((r): r is TaskRow => r !== null);
  const named = found.length ? found : rows.filter((r) => r.name === basename(arg) || r.name === `${basename(arg)}.md`);
  if (named.length === 1) return named[0]!;
  if (named.length === 0) throw new UsageError(`no task "${arg}" in the queues of ${d.projects.map((p) => p.name).join(', ') || '(no projects)'}; agentpool tasks lists them`);
  throw new UsageError(`"${arg}" names ${named.length} tasks; give its path:\n${named.map((r) => `  ${r.path}`).join('\n')}`);
}

async function diffTarget(d: DesiredState, row: TaskRow): Promise<{ cwd: string; args: string[] }> {
  const project = d.projects.find((p) => p.name === row.project)!;
  if (row.state === 'inbox') throw new UsageError(`${row.name} has not started yet: it is in the inbox`);
  const w = row.state === 'active' ? (await readActive(row.path))?.sidecar.worktree : null;
  const g = row.state === 'active' ? null : (await readResult(row.path))?.git;
  const base = w?.base ?? g?.base;
  if (!base) {
    throw new UsageError(`${row.name} has no branch to compare: ${project.isolation === 'worktree' ? 'no attempt has made its worktree yet' : 'its project runs tasks in the project folder (isolation: none)'}`);
  }
  const worktree = w?.path ?? (g?.kept ? g.worktree : null);
  // The worktree, while it is there: what is on the branch and what is not committed yet.
  if (worktree && (await access(worktree).then(() => true, () => false))) return { cwd: worktree, args: [base] };
  const head = g?.head ?? w?.branch;
  if (!head) throw new UsageError(`${row.name}'s branch ${g?.branch ?? ''} was never made (its attempt ended before its worktree was ready)`);
  return { cwd: project.path, args: [base, head] };
}
