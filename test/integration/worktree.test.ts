/**
 * isolation: worktree against real git, real tmux and the fake agent (which edits the files a task names
 * and commits or not, src/agents/fake-agent/edit.ts): agents on one repository never see each other's
 * changes, each branch holds exactly its task's work, the main working tree is untouched, and the keep and
 * commit policies, a controller SIGKILL and retries all leave the record and the worktrees as documented.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, type LogLine, type PoolEnv, type RunningController } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';
import type { ResultRecord } from '../../src/tasks/types.js';

const WARN = 40;
let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const git = (cwd: string, ...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd }).then((r) => r.stdout);

/** A git repository with one commit (README and shared.txt), its queue folders not ignored (as users have them). */
async function repo(path: string, o: { commit?: boolean } = {}): Promise<string> {
  await mkdir(path, { recursive: true });
  await git(path, 'init', '--quiet', '--initial-branch=main');
  if (o.commit === false) return path;
  await writeFile(join(path, 'shared.txt'), 'base\n');
  await writeFile(join(path, '.gitignore'), '.agent-queue/\n');
  await git(path, 'add', '.');
  await git(path, 'commit', '--quiet', '-m', 'base');
  return path;
}

async function poolWith(size: number, projects: object[], agentEnv: Record<string, string>, tasks: object = {}): Promise<PoolEnv> {
  const e = await createPoolEnv({ size, resync: '1s' });
  await e.writeConfig({
    pool: { agent: 'quick', cooldown: { afterTask: '0ms', afterFailure: '100ms' } },
    projects,
    agents: { quick: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: '300', FAKE_AGENT_EDIT: '1', FAKE_AGENT_LOG: join(e.dir, 'fake.log'), ...agentEnv } } },
    tasks: { settle: '0ms', retryBackoff: '50ms', ...tasks },
  });
  return e;
}

async function records(project: string, dir: 'done' | 'failed'): Promise<Map<string, ResultRecord>> {
  const folder = join(project, '.agent-queue', dir);
  const names = (await readdir(folder).catch(() => [] as string[])).filter((n) => n.endsWith('.md.result.json'));
  return new Map(await Promise.all(names.map(async (n) => [n.replace('.result.json', ''), JSON.parse(await readFile(join(folder, n), 'utf8'))] as const)));
}

async function settled(project: string, n: number): Promise<void> {
  await waitFor(async () => (await records(project, 'done')).size + (await records(project, 'failed')).size >= n, { timeoutMs: 90_000, what: `${n} settled tasks in ${project}` });
}

const warnings = (c: RunningController) => c.lines.filter((l) => (l.level ?? 0) >= WARN);
const fakeLog = async (e: PoolEnv) => (await readFile(join(e.dir, 'fake.log'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { cwd: string; prompt: string });

describe('isolation: worktree', () => {
  it('gives four agents on one repository a worktree each; each branch has exactly its task\'s change and the main tree is untouched', async () => {
    env = await poolWith(4, [], {});
    const app = await repo(join(env.dir, 'app'));
    // The user's own work in progress in the main tree: not carried over, not touched.
    await writeFile(join(app, 'shared.txt'), 'base\nmine, uncommitted\n');
    await writeFile(join(app, 'notes.txt'), 'untracked\n');
    const lib = await repo(join(env.dir, 'lib'));
    const docs = await repo(join(env.dir, 'docs'));
    await env.writeConfig({
      projects: [
        { path: app, isolation: 'worktree' },
        { path: lib, isolation: 'worktree', worktree: { commit: 'auto', keep: 'never' } },
        { path: docs, isolation: 'worktree', worktree: { keep: 'always' } },
      ],
    });
    for (let i = 1; i <= 4; i++) await dropTask(app, `t${i}.md`, `Task ${i} changes shared.\nfile: shared.txt\ncommit: yes\n`);
    await dropTask(app, 'left.md', 'Leaves its work uncommitted.\nfile: new/left.txt\ncommit: no\n');
    await dropTask(lib, 'auto.md', '---\ntitle: Auto-committed work\n---\nEdits and leaves it.\nfile: shared.txt\n');
    await dropTask(docs, 'kept.md', 'Kept whatever happens.\nfile: shared.txt\ncommit: yes\n');
    const c = env.startController();
    await settled(app, 5);
    await settled(lib, 1);
    await settled(docs, 1);

    const done = await records(app, 'done');
    expect([...done.keys()].sort()).toEqual(['left.md', 't1.md', 't2.md', 't3.md', 't4.md']);
    const everyRecord = [...done.values(), ...(await records(lib, 'done')).values(), ...(await records(docs, 'done')).values()];
    expect(new Set(everyRecord.map((r) => r.session)).size, 'every slot took a task').toBe(4);
    const base = await git(app, 'rev-parse', 'HEAD');
    for (let i = 1; i <= 4; i++) {
      const r = done.get(`t${i}.md`)!;
      expect(r.git).toMatchObject({
        branch: `agentpool/t${i}`, base, uncommitted: 0, kept: false, mainTreeChanges: 2, autoCommit: null,
        diffstat: { files: 1, insertions: 1, deletions: 0 },
      });
      expect(r.git!.commits.map((x) => x.subject)).toEqual([`Task ${i} changes shared.`]);
      expect(r.git!.head).toBe(await git(app, 'rev-parse', `agentpool/t${i}`));
      // Exactly its own change, on top of the committed base, without the user's uncommitted line.
      expect(await git(app, 'show', `agentpool/t${i}:shared.txt`)).toBe(`base\nTask ${i} changes shared.`);
      expect(existsSync(r.git!.worktree)).toBe(false);
    }
    // The agents ran in their worktrees, never in the project folder.
    const cwds = (await fakeLog(env)).map((l) => l.cwd);
    expect(cwds).toHaveLength(7);
    expect(cwds.every((d) => d.startsWith(join(env!.dir, 'state', 'worktrees')))).toBe(true);
    expect(await readFile(join(app, 'shared.txt'), 'utf8')).toBe('base\nmine, uncommitted\n');
    expect((await git(app, 'status', '--porcelain')).split('\n').sort()).toEqual([' M shared.txt', '?? notes.txt']);

    // Left uncommitted: the worktree stays (whatever the policy), with a warning, and the record says why.
    const left = done.get('left.md')!.git!;
    expect(left).toMatchObject({ branch: 'agentpool/left', commits: [], uncommitted: 1, kept: true });
    expect(await readFile(join(left.worktree, 'new', 'left.txt'), 'utf8')).toBe('Leaves its work uncommitted.\n');
    expect(warnings(c).map((l) => l.msg)).toEqual(["kept the task's worktree: it has changes that are not on a commit"]);

    // commit: auto, keep: never: committed with the task's title, worktree gone.
    const auto = (await records(lib, 'done')).get('auto.md')!.git!;
    expect(auto).toMatchObject({ branch: 'agentpool/auto', uncommitted: 0, kept: false, diffstat: { files: 1, insertions: 1 } });
    expect(auto.commits.map((x) => x.subject)).toEqual(['Auto-committed work']);
    expect(auto.autoCommit).toBe(auto.commits[0]!.sha);
    expect(existsSync(auto.worktree)).toBe(false);

    // keep: always: a done task's worktree stays.
    const kept = (await records(docs, 'done')).get('kept.md')!.git!;
    expect(kept.kept).toBe(true);
    expect(await git(kept.worktree, 'status', '--porcelain')).toBe('');
    expect((await execa('git', ['worktree', 'list'], { cwd: docs })).stdout.split('\n')).toHaveLength(2);
    expect((await execa('git', ['worktree', 'list'], { cwd: app })).stdout.split('\n')).toHaveLength(2); // main + left

    // Reviewing: a branch's diff against its base; a kept worktree's, with the files git does not track yet.
    const d1 = await env.agentpool('diff', 't1.md');
    expect(d1.exitCode, d1.stderr).toBe(0);
    expect(d1.stdout).toContain(' shared.txt | 1 +');
    expect(d1.stdout).toContain('+Task 1 changes shared.');
    expect(d1.stdout).not.toContain('Task 2');
    const dl = await env.agentpool('diff', 'left');
    expect(dl.stdout).toContain(`not tracked by git yet (not in the diff above), in ${left.worktree}:\n  new/left.txt`);
    expect((await env.agentpool('diff', 'nope.md')).stderr).toMatch(/no task "nope.md" in the queues of app, lib, docs/);

    // A worktree no task refers to: listed as orphaned, reported by doctor, removed only on request.
    const stray = join(env.dir, 'state', 'worktrees', 'app', 'stray');
    await git(app, 'worktree', 'add', '--quiet', '-b', 'agentpool/stray', stray);
    const listed = await env.agentpool('worktrees', '-o', 'json');
    expect(JSON.parse(listed.stdout).map((w: { branch: string; state: string }) => `${w.branch} ${w.state}`).sort()).toEqual([
      'agentpool/kept kept', 'agentpool/left kept', 'agentpool/stray orphaned',
    ]);
    expect((await env.agentpool('doctor')).stdout).toContain(`1 task worktree that no task refers to: ${stray}`);
    const pruned = await env.agentpool('worktrees', '--prune');
    expect(pruned.stdout).toBe(`removed ${stray} (its branch stays)`);
    expect(existsSync(stray)).toBe(false);
    expect(existsSync(left.worktree)).toBe(true);
  });

  it('deletes the branch of an attempt that made no commit, keeps it with branches: keep, and prunes merged ones with delete-merged', async () => {
    env = await poolWith(1, [], {});
    const app = await repo(join(env.dir, 'app'));
    const lib = await repo(join(env.dir, 'lib'));
    await env.writeConfig({ projects: [
      { path: app, isolation: 'worktree', worktree: { branches: 'delete-merged' } },
      { path: lib, isolation: 'worktree', worktree: { branches: 'keep' } },
    ] });
    await dropTask(app, 'look.md', 'Only look around.\n');
    await dropTask(app, 'work.md', 'Change it.\nfile: shared.txt\ncommit: yes\n');
    await dropTask(lib, 'look.md', 'Only look around.\n');
    const c = env.startController();
    await settled(app, 2);
    await settled(lib, 1);
    const branches = (cwd: string) => git(cwd, 'branch', '--list', 'agentpool/*', '--format', '%(refname:short)');
    const a = await records(app, 'done');
    expect(a.get('look.md')!.git).toMatchObject({ branch: 'agentpool/look', commits: [], kept: false, branchDeleted: true });
    expect(a.get('work.md')!.git).not.toHaveProperty('branchDeleted');
    expect(await branches(app)).toBe('agentpool/work');
    expect((await records(lib, 'done')).get('look.md')!.git).not.toHaveProperty('branchDeleted');
    expect(await branches(lib)).toBe('agentpool/look');
    // The tasks table names only branches that are there.
    const rows = JSON.parse((await env.agentpool('tasks', '-o', 'json')).stdout) as Array<{ project: string; name: string; branch: string | null }>;
    expect(rows.map((r) => `${r.project}/${r.name} ${r.branch}`).sort()).toEqual(['app/look.md null', 'app/work.md agentpool/work', 'lib/look.md agentpool/look']);
    expect(warnings(c)).toEqual([]);

    // Once its work is merged, prune deletes the branch (delete-merged); keep's stay.
    await git(app, 'merge', '--quiet', '--ff-only', 'agentpool/work');
    const pruned = await env.agentpool('worktrees', '--prune');
    expect(pruned.stdout.split('\n')).toEqual(['no orphaned task worktrees', 'deleted branch agentpool/work of app: merged into HEAD']);
    expect([await branches(app), await branches(lib)]).toEqual(['', 'agentpool/look']);
  });

  it('adopts a working agent in its worktree after a SIGKILL of the controller, and the record has its commit', async () => {
    env = await poolWith(1, [], { FAKE_AGENT_WORK_MS: '4000' });
    const app = await repo(join(env.dir, 'app'));
    await env.writeConfig({ projects: [{ path: app, isolation: 'worktree' }] });
    await dropTask(app, 'slow.md', 'Slow work.\nfile: shared.txt\ncommit: yes\n');
    const first = env.startController();
    await first.waitForLine((l) => l.msg === 'submitted task', 'the submit');
    first.signal('SIGKILL');
    await waitFor(() => first.exited(), { timeoutMs: 10_000, what: 'the controller gone' });
    const sidecar = JSON.parse(await readFile(join(app, '.agent-queue', 'active', 'slow.md.state.json'), 'utf8'));
    expect(sidecar.worktree).toMatchObject({ branch: 'agentpool/slow' });

    const second = env.startController();
    await settled(app, 1);
    const r = (await records(app, 'done')).get('slow.md')!;
    expect(r.attempts).toBe(1);
    expect(r.git).toMatchObject({ branch: 'agentpool/slow', worktree: sidecar.worktree.path, kept: false });
    expect(r.git!.commits.map((x) => x.subject)).toEqual(['Slow work.']);
    expect((await fakeLog(env)).map((l) => l.cwd)).toEqual([sidecar.worktree.cwd]);
    expect(second.lines.some((l: LogLine) => l.msg === 'launched agent')).toBe(false);
    expect(warnings(second)).toEqual([]);
  });

  it('gives a retry a new worktree and keeps failed ones that hold work; a repository without a commit fails with the reason', async () => {
    env = await poolWith(2, [], { FAKE_AGENT_FAIL_WITH: 'server_error' }, { maxAttempts: 2 });
    const app = await repo(join(env.dir, 'app'));
    const fresh = await repo(join(env.dir, 'fresh'), { commit: false });
    await env.writeConfig({ projects: [{ path: app, isolation: 'worktree' }, { path: fresh, isolation: 'worktree' }] });
    await dropTask(app, 'flaky.md', 'Half done, then the API fails.\nfile: shared.txt\ncommit: yes\n');
    await dropTask(fresh, 'first.md', 'Anything.\n');
    env.startController();
    await settled(app, 1);
    await settled(fresh, 1);

    const r = (await records(app, 'failed')).get('flaky.md')!;
    expect(r.history.map((h) => h.git?.branch)).toEqual(['agentpool/flaky', 'agentpool/flaky-2']);
    expect(r.history.every((h) => h.git?.kept)).toBe(true);
    expect(r.git).toMatchObject({ branch: 'agentpool/flaky-2', kept: true });
    for (const h of r.history) expect(existsSync(h.git!.worktree)).toBe(true);
    expect(await git(app, 'show', 'agentpool/flaky:shared.txt')).toBe('base\nHalf done, then the API fails.');

    const f = (await records(fresh, 'failed')).get('first.md')!;
    expect(f.reason).toMatch(/has no commit yet: make a first commit/);
    expect(f.git).toBeUndefined();
  });

  it('refuses isolation: worktree for a folder that is not a git repository, saying how to fix it', async () => {
    env = await createPoolEnv({ size: 1 });
    await env.writeConfig({ projects: [{ path: env.project, isolation: 'worktree' }] });
    const r = await env.agentpool('validate');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`isolation: worktree needs a git repository, and ${env.project} is not a git repository`);
    expect(r.stderr).toContain('run git init there');
  });
});
