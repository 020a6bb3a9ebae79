import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { notARepository } from '../../src/util/git.js';
import {
  branchLeaf, branchWarmWorktree, commitLeftovers, createWarmWorktree, createWorktree, inspectWorktree, listWorktrees, removeWarmWorktree,
  removeWorktree, type Worktree,
} from '../../src/git/worktree.js';

let dir: string;
let repo: string;
const sh = (cwd: string, ...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd }).then((r) => r.stdout);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentpool-git-'));
  repo = join(dir, 'repo');
  await mkdir(join(repo, 'sub'), { recursive: true });
  await sh(repo, 'init', '--quiet', '--initial-branch=main');
  await writeFile(join(repo, 'sub', 'a.txt'), 'one\n');
  await sh(repo, 'add', '.');
  await sh(repo, 'commit', '--quiet', '-m', 'first');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const make = (taskName: string, o: { project?: string; baseRef?: string | null } = {}, record: (w: Worktree) => Promise<void> = async () => {}) =>
  createWorktree({ project: o.project ?? repo, root: join(dir, 'state', 'worktrees', 'repo'), taskName, baseRef: o.baseRef ?? null }, record);

describe('task worktrees', () => {
  it('makes a worktree on a new branch from HEAD, after the record names it, and starts the agent in the project folder inside it', async () => {
    const head = await sh(repo, 'rev-parse', 'HEAD');
    let recorded: Worktree | null = null;
    const w = await make('fix login.md', { project: join(repo, 'sub') }, async (planned) => {
      recorded = planned;
      expect(existsSync(planned.path)).toBe(false);
    });
    expect(recorded).toEqual(w);
    expect(w).toMatchObject({ branch: 'agentpool/fix-login', base: head, path: join(dir, 'state', 'worktrees', 'repo', 'fix-login'), mainTreeChanges: 0 });
    expect(w.cwd).toBe(join(w.path, 'sub'));
    expect(await readFile(join(w.cwd, 'a.txt'), 'utf8')).toBe('one\n');
    expect((await listWorktrees(repo)).map((x) => x.branch)).toEqual(['agentpool/fix-login']);
  });

  it('picks the next free branch when one of that name exists, and starts from baseRef when given', async () => {
    const first = await make('t.md');
    await writeFile(join(repo, 'b.txt'), 'b\n');
    await sh(repo, 'add', '.');
    await sh(repo, 'commit', '--quiet', '-m', 'second');
    const second = await make('t.md', { baseRef: 'main~1' });
    expect([first.branch, second.branch]).toEqual(['agentpool/t', 'agentpool/t-2']);
    expect(second.base).toBe(first.base);
    expect(existsSync(join(second.path, 'b.txt'))).toBe(false);
  });

  it('says what is wrong with a repository without a commit, an unknown baseRef and a folder outside git', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await sh(empty, 'init', '--quiet');
    await expect(make('t.md', { project: empty })).rejects.toThrow(/has no commit yet: make a first commit/);
    await expect(make('t.md', { baseRef: 'nope' })).rejects.toThrow(/worktree.baseRef "nope" is not a commit/);
    const plain = join(dir, 'plain');
    await mkdir(plain);
    await expect(make('t.md', { project: plain })).rejects.toThrow(/is not in a git repository/);
    expect(await notARepository(plain)).toMatch(/is not a git repository/);
    expect(await notARepository(join(dir, 'gone'))).toBeNull();
    expect(await notARepository(repo)).toBeNull();
  });

  it('reports commits, a diffstat and uncommitted files; commits leftovers; removes only a clean worktree', async () => {
    await writeFile(join(repo, 'dirty.txt'), 'not carried over\n');
    const w = await make('t.md');
    expect(w.mainTreeChanges).toBe(1);
    expect(existsSync(join(w.path, 'dirty.txt'))).toBe(false);
    await writeFile(join(w.path, 'sub', 'a.txt'), 'one\ntwo\n');
    await sh(w.path, 'commit', '--quiet', '-am', 'add two');
    await writeFile(join(w.path, 'new.txt'), 'x\n');
    let r = await inspectWorktree(w);
    expect(r).toMatchObject({ branch: 'agentpool/t', base: w.base, uncommitted: 1, diffstat: { files: 1, insertions: 1, deletions: 0 } });
    expect(r.commits.map((c) => c.subject)).toEqual(['add two']);
    await expect(removeWorktree(w)).rejects.toThrow(/contains modified or untracked files/);

    const sha = await commitLeftovers(w, 'The task title');
    r = await inspectWorktree(w);
    expect(r.head).toBe(sha);
    expect(r.commits.map((c) => c.subject)).toEqual(['add two', 'The task title']);
    expect(r).toMatchObject({ uncommitted: 0, diffstat: { files: 2, insertions: 2 } });
    expect(await commitLeftovers(w, 'again')).toBeNull();

    await removeWorktree(w);
    expect(existsSync(w.path)).toBe(false);
    expect(await listWorktrees(repo)).toEqual([]);
    // The branch stays, and so does what is on it.
    expect((await inspectWorktree(w)).commits).toHaveLength(2);
    await removeWorktree(w); // again: nothing there, nothing to do
    expect(await readFile(join(repo, 'dirty.txt'), 'utf8')).toBe('not carried over\n');
  });

  it('makes concurrent worktrees of one repository one at a time, each on its own branch', async () => {
    const all = await Promise.all(['a.md', 'a.md', 'a.md', 'b.md'].map((n) => make(n)));
    expect(all.map((w) => w.branch).sort()).toEqual(['agentpool/a', 'agentpool/a-2', 'agentpool/a-3', 'agentpool/b']);
    expect(await listWorktrees(repo)).toHaveLength(4);
  });

  it('turns a task file name into a branch name git accepts', () => {
    expect(branchLeaf('fix login.md')).toBe('fix-login');
    expect(branchLeaf('..weird..name.lock.md')).toBe('weird.name');
    expect(branchLeaf('über~^:?*[x].md')).toBe('ber-x');
    expect(branchLeaf('.md')).toBe('task');
  });
});

describe('warm worktrees (prewarm)', () => {
  const root = () => join(dir, 'state', 'worktrees', 'repo');
  const warm = (session: string, inUse: (p: string) => boolean = () => false) =>
    createWarmWorktree({ project: join(repo, 'sub'), root: root(), session, baseRef: null, inUse });

  it('waits detached at the base commit, then takes the task\'s branch from the base now, recorded first', async () => {
    const head = await sh(repo, 'rev-parse', 'HEAD');
    const w = await warm('ccl-auto-1');
    expect(w).toMatchObject({ base: head, cwd: join(w.path, 'sub') });
    expect(w.path.startsWith(join(root(), 'warm-ccl-auto-1-'))).toBe(true);
    expect(await listWorktrees(repo)).toEqual([{ path: w.path, branch: null, head }]);
    // The base moves on before a task comes: the task starts from where it is now.
    await writeFile(join(repo, 'sub', 'b.txt'), 'two\n');
    await sh(repo, 'add', '.');
    await sh(repo, 'commit', '--quiet', '-m', 'second');
    const now = await sh(repo, 'rev-parse', 'HEAD');
    await sh(repo, 'branch', 'agentpool/fix');
    let recorded: Worktree | null = null;
    const t = await branchWarmWorktree(w, { taskName: 'fix.md', baseRef: null }, async (planned) => {
      recorded = planned;
    });
    expect(recorded).toEqual(t);
    expect(t).toMatchObject({ path: w.path, cwd: w.cwd, branch: 'agentpool/fix-2', base: now, mainTreeChanges: 0 });
    expect(await readFile(join(w.cwd, 'b.txt'), 'utf8')).toBe('two\n');
    expect((await listWorktrees(repo)).map((x) => x.branch)).toEqual(['agentpool/fix-2']);
    expect((await inspectWorktree(t)).commits).toEqual([]);
  });

  it('removes the session\'s earlier warm worktrees nobody uses (never one on a branch, nor another session\'s), and removes one that no task took', async () => {
    const left = await warm('ccl-auto-1');
    const other = await warm('ccl-auto-2');
    const used = await warm('ccl-auto-1', (p) => p === left.path);
    expect((await listWorktrees(repo)).map((x) => x.path).sort()).toEqual([left.path, other.path, used.path].sort());
    const taken = await branchWarmWorktree(used, { taskName: 't.md', baseRef: null }, async () => {});
    const again = await warm('ccl-auto-1');
    expect((await listWorktrees(repo)).map((x) => x.path).sort()).toEqual([other.path, taken.path, again.path].sort());
    await removeWarmWorktree(again);
    expect(existsSync(again.path)).toBe(false);
    expect(await sh(repo, 'branch', '--list', 'agentpool/t')).toContain('agentpool/t');
  });
});
