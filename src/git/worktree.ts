import { randomBytes } from 'node:crypto';
import { mkdir, realpath } from 'node:fs/promises';
import { exists } from '../util/fs.js';
import { join, relative } from 'node:path';
import { serially } from '../util/serial.js';
import type { Worktree, WorktreeReport } from '../tasks/types.js';
import { git, gitMaybe } from '../util/git.js';

/**
 * A task attempt's own git worktree: made from a base commit on a new branch agentpool/<task>, looked at
 * when the attempt ends (its commits, a diffstat, what was left uncommitted), and removed with `git
 * worktree remove`, never by deleting a folder. Commands on one repository take turns (git's own locks
 * would otherwise make one of two concurrent `worktree add`s fail).
 */

// What the sidecar and the result record keep of a worktree is the task store's vocabulary (tasks/ must not
// import git/); re-exported for this file's callers.
export type { Worktree, WorktreeReport } from '../tasks/types.js';

export class WorktreeError extends Error {}

/**
 * Plans and makes the worktree for one attempt of `taskName` in the repository holding `project`.
 * `record` runs between the two, under the repository's turn, so the sidecar names the worktree before
 * it exists (a crash between leaves a name, never an unrecorded worktree) and no two attempts pick one
 * branch.
 */
export async function createWorktree(
  o: { project: string; root: string; taskName: string; baseRef: string | null },
  record: (w: Worktree) => Promise<void>,
): Promise<Worktree> {
  const repo = await topOf(o.project);
  return serially(`git:${repo}`, async () => {
    const base = await baseCommit(repo, o.baseRef);
    // The real path, as git reports it in `worktree list`.
    await mkdir(o.root, { recursive: true });
    const { branch, path } = await freeBranch(repo, await realpath(o.root), branchLeaf(o.taskName));
    const cwd = join(path, relative(repo, await realpath(o.project)));
    const changes = await git(repo, ['status', '--porcelain', '--untracked-files=normal']);
    const w: Worktree = { repo, path, branch, base, cwd, mainTreeChanges: lines(changes) };
    await record(w);
    await git(repo, ['worktree', 'add', '--quiet', '-b', branch, path, base]);
    return w;
  });
}

/** A worktree made ahead of a task (prewarm), detached at the base commit, for an agent to wait in. */
export type WarmWorktree = Pick<Worktree, 'repo' | 'path' | 'base' | 'cwd'>;

/** The folder name of warm worktrees made for `session`: warm-<session>-<when>. */
export function warmWorktreePrefix(session: string): string {
  return `warm-${session}-`;
}

/**
 * Makes a worktree of the repository holding `project` at its base commit, detached (no branch: the task
 * that takes it names the branch), in `root`/warm-<session>-<when>. Worktrees made earlier for `session`
 * that are still detached, clean and not `inUse` are removed first (a warm agent whose controller died
 * before it was recorded leaves one).
 */
export async function createWarmWorktree(
  o: { project: string; root: string; session: string; baseRef: string | null; inUse: (path: string) => boolean },
): Promise<WarmWorktree> {
  const repo = await topOf(o.project);
  return serially(`git:${repo}`, async () => {
    const base = await baseCommit(repo, o.baseRef);
    await mkdir(o.root, { recursive: true });
    const root = await realpath(o.root);
    for (const w of await listWorktrees(repo)) {
      const name = w.path.slice(root.length + 1);
      if (!w.path.startsWith(`${root}/`) || !name.startsWith(warmWorktreePrefix(o.session)) || w.branch !== null || o.inUse(w.path)) continue;
      await gitMaybe(repo, ['worktree', 'remove', w.path]); // refused when it has changes: then it stays
    }
    const path = join(root, `${warmWorktreePrefix(o.session)}${Date.now().toString(36)}${randomBytes(2).toString('hex')}`);
    await git(repo, ['worktree', 'add', '--quiet', '--detach', path, base]);
    return { repo, path, base, cwd: join(path, relative(repo, await realpath(o.project))) };
  });
}

/**
 * Gives a warm worktree its task: a new branch agentpool/<task> (or the next free name) from the base
 * commit now (a base that moved since the worktree was made is checked out: nothing was done there yet).
 * `record` runs before the branch is made, as for createWorktree.
 */
export async function branchWarmWorktree(w: WarmWorktree, o: { taskName: string; baseRef: string | null }, record: (w: Worktree) => Promise<void>): Promise<Worktree> {
  return serially(`git:${w.repo}`, async () => {
    const base = await baseCommit(w.repo, o.baseRef);
    let branch = '';
    for (let i = 1; !branch; i++) {
      const name = `agentpool/${branchLeaf(o.taskName)}${i === 1 ? '' : `-${i}`}`;
      if ((await gitMaybe(w.repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${name}`])) === null) branch = name;
    }
    const changes = await git(w.repo, ['status', '--porcelain', '--untracked-files=normal']);
    const task: Worktree = { ...w, branch, base, mainTreeChanges: lines(changes) };
    await record(task);
    await git(w.path, ['switch', '--quiet', '-c', branch, base]);
    return task;
  });
}

/** Removes a warm worktree no task took (never a branch); git refuses one with changes, which stays. */
export async function removeWarmWorktree(w: Pick<WarmWorktree, 'repo' | 'path'>): Promise<void> {
  await removeWorktree(w);
}

async function baseCommit(repo: string, baseRef: string | null): Promise<string> {
  const base = await gitMaybe(repo, ['rev-parse', '--verify', '--quiet', `${baseRef ?? 'HEAD'}^{commit}`]);
  if (base) return base;
  throw new WorktreeError(baseRef === null
    ? `the repository ${repo} has no commit yet: make a first commit (each task's branch starts from one), or set isolation: none`
    : `worktree.baseRef "${baseRef}" is not a commit in ${repo}: name a branch, tag or commit that exists`);
}

/** What the attempt left: commits on its branch since the base, their diffstat, uncommitted files. */
export async function inspectWorktree(w: Worktree): Promise<WorktreeReport> {
  const head = await gitMaybe(w.repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${w.branch}`]);
  const report: WorktreeReport = {
    branch: w.branch, base: w.base, head, commits: [], diffstat: { files: 0, insertions: 0, deletions: 0 }, uncommitted: 0,
  };
  if (head) {
    const log = await git(w.repo, ['log', '--reverse', '--format=%H%x1f%s', `${w.base}..${head}`]);
    report.commits = log.split('\n').filter(Boolean).map((l) => {
      const [sha = '', subject = ''] = l.split('\x1f');
      return { sha, subject };
    });
    for (const l of (await git(w.repo, ['diff', '--numstat', w.base, head])).split('\n').filter(Boolean)) {
      const [ins = '0', del = '0'] = l.split('\t');
      report.diffstat.files += 1;
      report.diffstat.insertions += Number(ins) || 0; // "-" for a binary file
      report.diffstat.deletions += Number(del) || 0;
    }
  }
  if (await exists(w.path)) report.uncommitted = lines(await git(w.path, ['status', '--porcelain', '--untracked-files=all']));
  return report;
}

/**
 * Commits everything left uncommitted in the worktree with `message`; returns the new commit, or null when
 * there was nothing to commit. Never signs (no one is there to type a passphrase), and commits as
 * agentpool when the repository names no one.
 */
export async function commitLeftovers(w: Worktree, message: string): Promise<string | null> {
  if (!(await exists(w.path))) return null;
  return serially(`git:${w.repo}`, async () => {
    if (!lines(await git(w.path, ['status', '--porcelain', '--untracked-files=all']))) return null;
    await git(w.path, ['add', '--all']);
    const who = (await gitMaybe(w.path, ['config', 'user.email'])) ? [] : ['-c', 'user.name=agentpool', '-c', 'user.email=agentpool@localhost'];
    await git(w.path, [...who, '-c', 'commit.gpgsign=false', 'commit', '--quiet', '-m', message]);
    return git(w.path, ['rev-parse', 'HEAD']);
  });
}

/** Removes the worktree (not its branch). git refuses one with changes that are not on a commit. */
export async function removeWorktree(w: Pick<Worktree, 'repo' | 'path'>): Promise<void> {
  await serially(`git:${w.repo}`, async () => {
    if (await exists(w.path)) await git(w.repo, ['worktree', 'remove', w.path]);
    else await git(w.repo, ['worktree', 'prune']);
  });
}

/** Deletes a task's branch (its worktree gone first); one already gone is no error. */
export async function deleteBranch(repo: string, branch: string): Promise<void> {
  await serially(`git:${repo}`, async () => {
    if (await gitMaybe(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).catch(() => null)) await git(repo, ['branch', '-D', branch]);
  });
}

/** agentpool's task branches (agentpool/*) that no worktree has out and whose commits are all in HEAD. */
export async function mergedTaskBranches(project: string): Promise<{ repo: string; branches: string[] }> {
  const repo = await topOf(project);
  const out = await git(repo, ['branch', '--merged', 'HEAD', '--format', '%(refname:short) %(worktreepath)', '--list', 'agentpool/*']);
  return { repo, branches: out.split('\n').map((l) => l.trim()).filter((l) => l && !l.includes(' ')) };
}

/** Forgets worktrees whose folders are gone (`git worktree prune`); a controller does it on start. */
export async function pruneWorktrees(project: string): Promise<void> {
  const repo = await topOf(project);
  await serially(`git:${repo}`, () => git(repo, ['worktree', 'prune']));
}

/** The repository's worktrees other than its main one, with their branches. */
export async function listWorktrees(project: string): Promise<Array<{ path: string; branch: string | null; head: string | null }>> {
  const repo = await topOf(project);
  const blocks = (await git(repo, ['worktree', 'list', '--porcelain'])).split('\n\n').filter(Boolean);
  return blocks.slice(1).map((b) => {
    const field = (k: string) => b.split('\n').find((l) => l.startsWith(`${k} `))?.slice(k.length + 1) ?? null;
    return { path: field('worktree') ?? '', branch: field('branch')?.replace(/^refs\/heads\//, '') ?? null, head: field('HEAD') };
  });
}

/** The top folder of the repository holding `folder`, as a real path. */
export async function topOf(folder: string): Promise<string> {
  const top = await gitMaybe(folder, ['rev-parse', '--show-toplevel']).catch(() => null);
  if (!top) throw new WorktreeError(`${folder} is not in a git repository (isolation: worktree needs one)`);
  return realpath(top);
}

/** A task file's name as a branch name's last part: `fix login.md` → `fix-login`. */
export function branchLeaf(taskName: string): string {
  const leaf = taskName
    .replace(/\.md$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+|[.-]+$/g, '')
    .replace(/\.lock$/, '');
  return leaf || 'task';
}

/** agentpool/<leaf>, or agentpool/<leaf>-2, ...: the first whose branch and folder are both free. */
async function freeBranch(repo: string, root: string, leaf: string): Promise<{ branch: string; path: string }> {
  for (let i = 1; ; i++) {
    const name = i === 1 ? leaf : `${leaf}-${i}`;
    const branch = `agentpool/${name}`;
    const path = join(root, name);
    const taken = (await gitMaybe(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])) !== null || (await exists(path));
    if (!taken) return { branch, path };
  }
}

function lines(text: string): number {
  return text.split('\n').filter(Boolean).length;
}
