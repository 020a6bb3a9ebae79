import { appendFile, mkdir, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from '../util/fs.js';
import { serially } from '../util/serial.js';
import { git, gitMaybe } from '../util/git.js';
import { ensureQueueDirs } from '../tasks/store.js';
import { checkoutsDir } from './overlay.js';

/**
 * A host's clone of a fleet project's remote (issue 26), under `<stateDir>/fleet/checkouts/<project>`: made
 * on the first job of the project, fetched on every next one, its queue folders made and kept out of git.
 * Commands on one clone take turns. Returns its folder, and whether it was made now.
 */
export async function ensureCheckout(stateDir: string, project: string, remote: string): Promise<{ path: string; made: boolean }> {
  const path = join(checkoutsDir(stateDir), project);
  await mkdir(checkoutsDir(stateDir), { recursive: true, mode: 0o700 });
  // The key src/git/worktree.ts takes its turns on: a fetch never runs beside a worktree's commit or removal.
  const key = `git:${join(await realpath(checkoutsDir(stateDir)), project)}`;
  return serially(key, async () => {
    const made = !(await exists(join(path, '.git')));
    if (made) {
      await git(checkoutsDir(stateDir), ['clone', '--quiet', '--no-checkout', remote, project]);
      // Detached at the remote's default branch, or at any branch it has (a bare remote's HEAD may name a
      // branch nobody pushed): the tasks' worktrees start from their own commits, never from this tree.
      const at = (await gitMaybe(path, ['rev-parse', '--verify', '--quiet', 'refs/remotes/origin/HEAD^{commit}']))
        ?? (await git(path, ['for-each-ref', '--count=1', '--format=%(objectname)', 'refs/remotes/origin/']));
      if (!at) throw new Error(`the remote ${remote} has no branch yet: push the project's base branch to it`);
      await git(path, ['checkout', '--quiet', '--detach', at]);
    } else {
      await git(path, ['fetch', '--quiet', '--prune', 'origin']);
    }
    const exclude = join(path, '.git', 'info', 'exclude');
    if (!(await readFile(exclude, 'utf8').catch(() => '')).split('\n').includes('/.agent-queue/')) {
      await mkdir(join(path, '.git', 'info'), { recursive: true });
      await appendFile(exclude, '/.agent-queue/\n');
    }
    await ensureQueueDirs(join(path, '.agent-queue', 'inbox'));
    return { path, made };
  });
}

/**
 * The commit a job's worktree starts from: its branch as a previous attempt pushed it (the work resumes),
 * else its base (a branch of the remote, or a commit), else the remote's default branch.
 */
export async function startOf(checkout: string, branch: string, baseRef: string | null): Promise<{ commit: string; resumed: boolean }> {
  const at = async (ref: string) => gitMaybe(checkout, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  const pushed = await at(`refs/remotes/origin/${branch}`);
  if (pushed) return { commit: pushed, resumed: true };
  const base = baseRef ? (await at(`refs/remotes/origin/${baseRef}`)) ?? (await at(baseRef)) : await at('refs/remotes/origin/HEAD');
  if (!base) throw new Error(`the remote of ${checkout} has neither the branch ${branch} nor ${baseRef ?? 'a default branch'} to start the task from`);
  return { commit: base, resumed: false };
}

/**
 * Pushes `head` to the remote as `branch`, never by force: a host that lost its job and pushes late is
 * refused when another host's work is on the branch already. Throws git's reason when refused.
 */
export async function pushBranch(checkout: string, head: string, branch: string): Promise<void> {
  await serially(`git:${await realpath(checkout)}`, () => git(checkout, ['push', '--quiet', 'origin', `${head}:refs/heads/${branch}`]));
}
