/**
 * Prewarm end to end against a real tmux server and the bundled fake agent: idle slots start their agents
 * ahead of the tasks, a task goes to an agent already at its prompt, the agent exits after its task and a new
 * one warms up; a warm agent that dies is replaced, and a task for another model gets a fresh agent.
 */
import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, type LogLine, type PoolEnv, type RunningController } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const WARN = 40;
const git = (cwd: string, ...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd }).then((r) => r.stdout);
const lines = (c: RunningController, msg: string, more: (l: LogLine) => boolean = () => true) => c.lines.filter((l) => l.msg === msg && more(l));
const logOf = (c: RunningController) => c.lines.map((l) => JSON.stringify(l)).join('\n');

interface Prompted {
  ts: string;
  pid: number;
  /** The agent process (its pid is the same small number in every sandbox). */
  run: string;
  prompt: string;
  model: string;
  cwd: string;
}

async function prompts(file: string): Promise<Prompted[]> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Prompted);
}

/** A pool of warm fake agents over `projects` project folders; at most `prewarm` warm (every slot by default). */
async function warmEnv(size: number, projects = 1, prewarm: number | boolean = true) {
  const e = await createPoolEnv({ size, resync: '1s' });
  const folders = [e.project];
  for (let i = 2; i <= projects; i++) {
    folders.push(join(e.dir, `project${i}`));
    await mkdir(folders.at(-1)!);
  }
  const fakeLog = join(e.dir, 'fake-agent.log');
  await e.writeConfig({
    pool: { agent: 'quick', prewarm, cooldown: { afterTask: '0ms', afterFailure: '200ms' } },
    projects: folders.map((path) => ({ path })),
    agents: { quick: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: '100', FAKE_AGENT_LOG: fakeLog } } },
    tasks: { settle: '0ms', retryBackoff: '100ms' },
  });
  return { env: e, folders, fakeLog };
}

/**
 * The most slots warm (warming or ready) at once, from line `fromLine` of the controller's log on, replaying
 * its transitions (a transition an action caused carries that action's message, so they are told by their
 * fields).
 */
function mostWarm(c: RunningController, fromLine = 0): number {
  const warm = new Set<string>();
  let most = 0;
  for (const [i, l] of c.lines.entries()) {
    if (typeof l.event !== 'string' || typeof l.from !== 'string' || typeof l.to !== 'string' || l.from === l.to) continue;
    if (l.to === 'warming' || l.to === 'ready') warm.add(String(l.session));
    else warm.delete(String(l.session));
    if (i >= fromLine) most = Math.max(most, warm.size);
  }
  return most;
}

const readyCount = (c: RunningController, session: string) => lines(c, 'transition', (l) => l.session === session && l.to === 'ready').length;

describe('prewarm', () => {
  it('hands each task to an agent already at its prompt, and warms a new one after each task', async () => {
    const w = await warmEnv(2, 2);
    env = w.env;
    const c = env.startController();
    // Slot 1 warms in the first project's folder, slot 2 in the second's.
    await waitFor(() => readyCount(c, 'ccl-auto-1') >= 1 && readyCount(c, 'ccl-auto-2') >= 1, { timeoutMs: 20_000, what: 'both agents warm' });
    const warmedAt = Date.now();
    const names: Array<{ folder: string; name: string }> = [];
    for (let i = 0; i < 6; i++) {
      const folder = w.folders[i % 2]!;
      const name = `warm-${i}.md`;
      names.push({ folder, name });
      await dropTask(folder, name, `Warm task ${i}: "quotes", $(no) and \`ticks\`.\n`);
      // One task per project at a time, each when that project's agent is warm again.
      if (i % 2 === 1) await waitFor(() => lines(c, 'task done').length === i + 1 && readyCount(c, 'ccl-auto-1') >= (i + 3) / 2 && readyCount(c, 'ccl-auto-2') >= (i + 3) / 2, { timeoutMs: 30_000, what: `tasks up to ${i} done and the agents warm again` });
    }
    const done = lines(c, 'task done');
    expect(done, logOf(c)).toHaveLength(6);
    // Every task went to a warm agent, of its own project, which took it at the first Enter.
    const submitted = lines(c, 'submitted task');
    expect(submitted).toHaveLength(6);
    for (const s of submitted) expect(s, logOf(c)).toMatchObject({ warmAgent: true, enterPresses: 1 });
    expect(lines(c, 'launched agent')).toEqual([]);
    for (const { folder, name } of names) {
      const claim = lines(c, 'claimed task', (l) => String(l.task).endsWith(`/${name}`))[0]!;
      expect(claim, logOf(c)).toMatchObject({ warmAgent: true, session: folder === w.folders[0] ? 'ccl-auto-1' : 'ccl-auto-2' });
      const record = JSON.parse(await readFile(join(folder, '.agent-queue', 'done', `${name}.result.json`), 'utf8'));
      // The warm agent's launch is the task's: its model and start time, before the task was submitted.
      expect(record.launchedAt).toBeLessThanOrEqual(record.submittedAt);
      expect(record.model).toBe('sonnet');
    }
    // Each prompt arrived once and whole, each to a different agent process, in its project's folder.
    const got = await prompts(w.fakeLog);
    expect(got.map((p) => p.prompt.match(/Warm task \d/)?.[0]).sort()).toEqual(names.map((_, i) => `Warm task ${i}`));
    for (const p of got) expect(p.prompt).toContain('"quotes", $(no) and `ticks`.');
    expect(new Set(got.map((p) => p.run)).size).toBe(6);
    for (const p of got) expect(p.cwd).toBe(w.folders[Number(p.prompt.match(/Warm task (\d)/)![1]) % 2]);
    // The first two prompts went to agents that were warm before their tasks arrived.
    expect(Date.parse(got[0]!.ts)).toBeGreaterThanOrEqual(warmedAt);
    expect(c.lines.filter((l) => (l.level ?? 0) >= WARN), logOf(c)).toEqual([]);
  }, 120_000);

  it('replaces a warm agent that dies, and gives a task that needs another model a fresh agent', async () => {
    const w = await warmEnv(1);
    env = w.env;
    const c = env.startController();
    await waitFor(() => readyCount(c, 'ccl-auto-1') >= 1, { timeoutMs: 20_000, what: 'the agent warm' });
    const pid = Number((await env.tmux.run('display-message', '-p', '-t', 'ccl-auto-1', '#{pane_pid}')).trim());
    process.kill(pid, 'SIGKILL');
    await c.waitForLine((l) => l.msg === 'transition' && l.from === 'ready' && l.to === 'stopping', 'the dead warm agent noticed', 15_000);
    await waitFor(() => readyCount(c, 'ccl-auto-1') >= 2, { timeoutMs: 20_000, what: 'a new agent warm' });
    // critical → opus: the warm (sonnet) agent is replaced by a fresh one for it.
    await dropTask(env.project, 'urgent.md', '---\npriority: critical\n---\nUrgent.\n');
    await c.waitForLine((l) => l.msg === 'task done', 'the critical task done', 20_000);
    expect(lines(c, 'launched agent')).toEqual([expect.objectContaining({ model: 'opus' })]);
    expect(lines(c, 'submitted task')[0]).not.toHaveProperty('warmAgent');
    const got = await prompts(w.fakeLog);
    expect(got).toHaveLength(1);
    expect(got[0]!.model).toBe('opus');
  }, 90_000);

  it('reconcile --once creates and warms a fresh pool in one pass, and the next dry run has nothing to do', async () => {
    const w = await warmEnv(3, 2);
    env = w.env;
    const once = await env.reconcile('--once', '--log-format', 'json');
    expect(once.exitCode, once.all).toBe(0);
    const log = once.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
    expect(log.filter((l) => l.msg === 'created pool session').map((l) => l.session)).toEqual(['ccl-auto-1', 'ccl-auto-2', 'ccl-auto-3']);
    expect(log.filter((l) => l.msg === 'warming an agent for the next task').map((l) => l.session).sort(), once.all).toEqual(['ccl-auto-1', 'ccl-auto-2', 'ccl-auto-3']);
    const inSync = /is in sync: nothing to do/;
    const dry = await env.reconcile('--dry-run');
    expect(dry.stdout, dry.all).toMatch(inSync);
    // Still nothing once the agents show their prompts: a warm agent found on its session is adopted as it is.
    await waitFor(async () => {
      for (const s of ['ccl-auto-1', 'ccl-auto-2', 'ccl-auto-3']) if (!/^─+\n❯/m.test(await env!.tmux.run('capture-pane', '-p', '-t', s))) return false;
      return true;
    }, { timeoutMs: 20_000, what: 'the three agents at their prompts' });
    const again = await env.reconcile('--dry-run');
    expect(again.stdout, again.all).toMatch(inSync);
    // A controller started now hands a task to one of those agents, without starting another.
    const c = env.startController();
    await dropTask(w.folders[1]!, 'adopted.md', 'To an adopted warm agent.\n');
    await c.waitForLine((l) => l.msg === 'task done', 'the task done', 20_000);
    expect(lines(c, 'submitted task'), logOf(c)).toEqual([expect.objectContaining({ warmAgent: true, enterPresses: 1 })]);
    expect(lines(c, 'launched agent')).toEqual([]);
    const got = await prompts(w.fakeLog);
    expect(got.map((p) => p.cwd)).toEqual([w.folders[1]]);
  }, 90_000);

  it('a running warm pool is in sync for a dry run, and a controller restarted over it keeps its agents warm', async () => {
    const w = await warmEnv(2);
    env = w.env;
    const first = env.startController();
    await waitFor(() => readyCount(first, 'ccl-auto-1') >= 1 && readyCount(first, 'ccl-auto-2') >= 1, { timeoutMs: 30_000, what: 'both agents ready' });
    const dry = await env.reconcile('--dry-run', '--exit-code');
    expect([dry.exitCode, dry.stdout], dry.all).toEqual([0, expect.stringMatching(/is in sync: nothing to do$/)]);
    await first.stop();
    const pids = await env.tmux.run('list-panes', '-a', '-F', '#{session_name} #{pane_pid}');
    const second = env.startController();
    await waitFor(() => lines(second, 'transition', (l) => l.event === 'ADOPT').length === 2, { timeoutMs: 30_000, what: 'both sessions adopted' });
    await waitFor(() => readyCount(second, 'ccl-auto-1') + readyCount(second, 'ccl-auto-2') === 2, { timeoutMs: 30_000, what: 'both adopted ready' });
    // Adopted as they were: no agent started again, none stopped, the same processes in the panes.
    expect(lines(second, 'transition', (l) => l.to === 'warming' || l.to === 'idle' || l.to === 'stopping'), logOf(second)).toEqual([]);
    expect(await env.tmux.run('list-panes', '-a', '-F', '#{session_name} #{pane_pid}')).toBe(pids);
    expect((await env.reconcile('--dry-run', '--exit-code')).exitCode).toBe(0);
  });

  it('prewarm: 2 on a pool of 6 keeps at most 2 agents warm, before, during and after a burst of tasks', async () => {
    const w = await warmEnv(6, 2, 2);
    env = w.env;
    const c = env.startController();
    await waitFor(() => lines(c, 'transition', (l) => l.to === 'ready').length >= 2, { timeoutMs: 20_000, what: 'two agents warm' });
    for (let i = 0; i < 5; i++) await dropTask(w.folders[i % 2]!, `burst-${i}.md`, `Burst task ${i}.\n`);
    await waitFor(() => lines(c, 'task done').length === 5, { timeoutMs: 60_000, what: 'the five tasks done' });
    // Two warm again once the queue is empty, one for each project.
    await waitFor(() => {
      const warmNow = new Map<string, string>();
      for (const l of c.lines) if (typeof l.event === 'string' && typeof l.to === 'string' && l.from !== l.to) warmNow.set(String(l.session), l.to);
      return [...warmNow.values()].filter((s) => s === 'ready').length === 2;
    }, { timeoutMs: 20_000, what: 'two agents warm again' });
    expect(mostWarm(c), logOf(c)).toBe(2);
    const warmUps = lines(c, 'warming an agent for the next task');
    expect(new Set(warmUps.slice(0, 2).map((l) => l.cwd))).toEqual(new Set(w.folders));
    // The tasks beyond the warm agents got fresh ones; each prompt arrived once.
    expect(lines(c, 'submitted task')).toHaveLength(5);
    expect((await prompts(w.fakeLog)).map((p) => p.prompt.match(/Burst task \d/)?.[0]).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `Burst task ${i}`));
    expect(c.lines.filter((l) => (l.level ?? 0) >= WARN), logOf(c)).toEqual([]);
  }, 120_000);

  it('stops the warm agents beyond pool.prewarm when the config lowers it', async () => {
    const w = await warmEnv(3, 1, true);
    env = w.env;
    const c = env.startController();
    await waitFor(() => lines(c, 'transition', (l) => l.to === 'ready').length >= 3, { timeoutMs: 20_000, what: 'three agents warm' });
    await env.writeConfig({ pool: { prewarm: 1 } });
    await waitFor(() => c.lines.filter((l) => l.from === 'ready' && l.to === 'cooldown').length >= 2, { timeoutMs: 20_000, what: 'two warm agents stopped' });
    expect(lines(c, 'the agent exited when asked')).toHaveLength(2);
    await c.waitForLine((l) => l.msg === 'config reloaded', 'the reload');
    // One stays warm and takes the next task; none is warmed in the other two slots meanwhile.
    await dropTask(env.project, 'after.md', 'After the reload.\n');
    await c.waitForLine((l) => l.msg === 'task done', 'the task done', 20_000);
    expect(lines(c, 'submitted task'), logOf(c)).toEqual([expect.objectContaining({ warmAgent: true })]);
    await waitFor(() => lines(c, 'transition', (l) => l.to === 'ready').length >= 4, { timeoutMs: 20_000, what: 'the next agent warm' });
    const stopped = c.lines.findLastIndex((l) => l.from === 'ready' && l.to === 'cooldown');
    expect(mostWarm(c, stopped + 1), logOf(c)).toBe(1);
    expect(c.lines.filter((l) => (l.level ?? 0) >= WARN), logOf(c)).toEqual([]);
  }, 60_000);

  it('gives a worktree project\'s task to a warm agent waiting in a worktree made ahead, on the task\'s own branch', async () => {
    env = await createPoolEnv({ size: 2, resync: '1s' });
    const app = join(env.dir, 'app');
    await mkdir(app);
    for (const args of [['init', '--quiet', '--initial-branch=main']]) await git(app, ...args);
    await writeFile(join(app, 'shared.txt'), 'base\n');
    await writeFile(join(app, '.gitignore'), '.agent-queue/\n');
    await git(app, 'add', '.');
    await git(app, 'commit', '--quiet', '-m', 'base');
    const fakeLog = join(env.dir, 'fake-agent.log');
    await env.writeConfig({
      pool: { agent: 'quick', prewarm: 1, cooldown: { afterTask: '0ms', afterFailure: '200ms' } },
      projects: [{ path: app, isolation: 'worktree' }],
      agents: { quick: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: '100', FAKE_AGENT_EDIT: '1', FAKE_AGENT_LOG: fakeLog } } },
      tasks: { settle: '0ms', retryBackoff: '100ms' },
    });
    const c = env.startController();
    await waitFor(() => lines(c, 'transition', (l) => l.to === 'ready').length >= 1, { timeoutMs: 20_000, what: 'an agent warm' });
    const warmed = lines(c, 'made a worktree for a warm agent')[0]!;
    const root = join(await realpath(env.dir), 'state', 'worktrees', 'app');
    expect(String(warmed.worktree).startsWith(join(root, 'warm-'))).toBe(true);
    expect(lines(c, 'warming an agent for the next task')[0]).toMatchObject({ cwd: warmed.worktree });
    expect(await git(app, 'worktree', 'list', '--porcelain')).toMatch(/\ndetached$/m);
    await dropTask(app, 'fix.md', 'Fix the shared file.\nfile: shared.txt\ncommit: yes\n');
    await c.waitForLine((l) => l.msg === 'task done', 'the task done', 20_000);
    expect(lines(c, 'submitted task'), logOf(c)).toEqual([expect.objectContaining({ warmAgent: true, enterPresses: 1 })]);
    expect(lines(c, 'launched agent')).toEqual([]);
    // The task's record: its branch, from the base, with its one commit, in the warm agent's worktree.
    const record = JSON.parse(await readFile(join(app, '.agent-queue', 'done', 'fix.md.result.json'), 'utf8'));
    expect(record.git).toMatchObject({ branch: 'agentpool/fix', base: await git(app, 'rev-parse', 'HEAD'), worktree: warmed.worktree, kept: false, uncommitted: 0 });
    expect(record.git.commits.map((x: { subject: string }) => x.subject)).toEqual(['Fix the shared file.']);
    expect(await git(app, 'show', 'agentpool/fix:shared.txt')).toBe('base\nFix the shared file.');
    expect((await prompts(fakeLog)).map((p) => p.cwd)).toEqual([warmed.worktree]);
    // The next warm agent waits in a worktree of its own; the task's went with its attempt.
    await waitFor(() => lines(c, 'transition', (l) => l.to === 'ready').length >= 2, { timeoutMs: 20_000, what: 'the next agent warm' });
    const next = lines(c, 'made a worktree for a warm agent')[1]!;
    expect(next.worktree).not.toBe(warmed.worktree);
    expect((await git(app, 'worktree', 'list', '--porcelain')).split('\n').filter((l) => l.startsWith('worktree ')).map((l) => l.slice(9))).toEqual([await realpath(app), next.worktree]);
    expect(await git(app, 'status', '--porcelain')).toBe('');
    expect(c.lines.filter((l) => (l.level ?? 0) >= WARN), logOf(c)).toEqual([]);
  }, 90_000);
});
