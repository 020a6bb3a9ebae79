/**
 * A fresh process decides for what it adopts in its first pass: a controller is killed (SIGKILL) with a
 * slot in a given state, then a fresh `reconcile --dry-run` prints what the running controller would do
 * first, and a fresh `reconcile --once` does it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, type PoolEnv, type RunningController } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

async function world(size: number, agentEnv: Record<string, string> = {}) {
  const e = await createPoolEnv({ size, resync: '1s' });
  await e.writeConfig({
    pool: { agent: 'quick', cooldown: { afterTask: '0ms', afterFailure: '0ms' } },
    agents: { quick: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: '200', ...agentEnv } } },
    tasks: { settle: '0ms', retryBackoff: '0ms', maxAttempts: 2 },
  });
  return e;
}

const q = (dir: string) => join(env!.project, '.agent-queue', dir);
const listing = async (dir: string) => (await readdir(q(dir)).catch(() => [] as string[])).filter((n) => n.endsWith('.md'));
const sidecar = async (name: string) => JSON.parse(await readFile(join(q('active'), `${name}.state.json`), 'utf8'));

/** Kills the controller with SIGKILL once `line` shows in its log: no chance to tidy up. */
async function killAt(c: RunningController, pred: Parameters<RunningController['waitForLine']>[0], what: string): Promise<void> {
  const started = await c.waitForLine((l) => l.msg === 'controller started', 'start');
  await c.waitForLine(pred, what);
  process.kill(started.pid as number, 'SIGKILL');
  await waitFor(() => c.exited(), { what: 'the controller gone' });
}

const planLines = (stdout: string) => stdout.split('\n').filter(Boolean);

describe('a fresh --dry-run and --once after a SIGKILL', () => {
  it('submit to an agent that reached its ready prompt after the controller died', async () => {
    env = await world(1, { FAKE_AGENT_START_MS: '1500' });
    await dropTask(env.project, 'wait.md', 'Waiting for a prompt\n');
    await killAt(env.startController(), (l) => l.msg === 'launched agent', 'the launch');
    await waitFor(async () => /^─+\n❯/m.test(await env!.tmux.run('capture-pane', '-p', '-t', 'ccl-auto-1')), { what: 'the agent ready' });
    const dry = await env.reconcile('--dry-run');
    expect(planLines(dry.stdout), dry.all).toEqual(['session/ccl-auto-1 submit wait.md']);
    const once = await env.reconcile('--once', '--log-format', 'json');
    expect(once.exitCode, once.all).toBe(0);
    expect(once.stdout).toMatch(/"msg":"submitted task"/);
    expect(await sidecar('wait.md')).toMatchObject({ state: 'submitted' });
  }, 40_000);

  it('settle an agent that finished its task (Stop) after the controller died', async () => {
    env = await world(1, { FAKE_AGENT_WORK_MS: '1500' });
    await dropTask(env.project, 'finish.md', 'Finishing alone\n');
    await killAt(env.startController(), (l) => l.msg === 'submitted task', 'the submit');
    const events = join(env.dir, 'state', 'sessions', 'ccl-auto-1', 'events.jsonl');
    await waitFor(async () => (await readFile(events, 'utf8')).includes('"Stop"'), { what: 'the Stop hook' });
    const dry = await env.reconcile('--dry-run');
    expect(planLines(dry.stdout), dry.all).toEqual(['session/ccl-auto-1 stop-agent → task done (the agent finished its turn)']);
    const once = await env.reconcile('--once', '--log-format', 'json');
    expect(once.exitCode, once.all).toBe(0);
    expect(await listing('done')).toEqual(['finish.md']);
  }, 40_000);

  it('fail the attempt of an agent that died while working', async () => {
    env = await world(1, { FAKE_AGENT_WORK_MS: '60000' });
    await dropTask(env.project, 'crash.md', 'Crashing\n');
    await killAt(env.startController(), (l) => l.msg === 'submitted task', 'the submit');
    const pid = Number((await env.tmux.run('display', '-p', '-t', 'ccl-auto-1', '#{pane_pid}')).trim());
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => (await env!.tmux.run('display', '-p', '-t', 'ccl-auto-1', '#{pane_dead}')).trim() === '1', { what: 'the pane dead' });
    const dry = await env.reconcile('--dry-run');
    expect(planLines(dry.stdout), dry.all).toEqual([
      expect.stringMatching(/^session\/ccl-auto-1 stop-agent → task retry \(the agent exited \(killed by signal 9, SIGKILL\) while working on the task \(crash\?\); its last words: /),
    ]);
    const once = await env.reconcile('--once', '--log-format', 'json');
    expect(once.exitCode, once.all).toBe(0);
    expect(await sidecar('crash.md')).toMatchObject({ state: 'queued', attempts: 1 });
  }, 40_000);

  it('fill every slot of a pool that does not exist yet in one --once', async () => {
    env = await world(2);
    await dropTask(env.project, 'a.md', 'A\n');
    await dropTask(env.project, 'b.md', 'B\n');
    const dry = await env.reconcile('--dry-run');
    expect(planLines(dry.stdout).filter((l) => l.startsWith('session/') || l.startsWith('task/')), dry.all).toEqual([
      'session/ccl-auto-1 create',
      'task/project/a.md claim → session/ccl-auto-1 (priority default)',
      expect.stringMatching(/^session\/ccl-auto-1 launch quick model=sonnet cwd=/),
      'session/ccl-auto-2 create',
      'task/project/b.md claim → session/ccl-auto-2 (priority default)',
      expect.stringMatching(/^session\/ccl-auto-2 launch quick model=sonnet cwd=/),
    ]);
    const once = await env.reconcile('--once', '--log-format', 'json');
    expect(once.exitCode, once.all).toBe(0);
    expect((await listing('active')).sort()).toEqual(['a.md', 'b.md']);
    expect(once.stdout.match(/"msg":"launched agent"/g)).toHaveLength(2);
  }, 40_000);

  it('give the next task to a slot whose cooldown ran out while no controller ran, and to an idle slot', async () => {
    env = await world(2);
    await env.writeConfig({ pool: { cooldown: { afterTask: '4s' } } });
    await dropTask(env.project, 'first.md', 'First\n');
    await killAt(env.startController(), (l) => l.msg === 'transition' && l.to === 'cooldown', 'the cooldown');
    const cooling = (await env.tmux.run('list-sessions', '-F', '#{session_name} #{@agentpool-state}')).split('\n').find((l) => l.endsWith(' cooldown'))!.split(' ')[0]!;
    await dropTask(env.project, 'next1.md', 'Next one\n');
    await dropTask(env.project, 'next2.md', 'Next two\n');
    const before = await env.reconcile('--dry-run');
    expect(planLines(before.stdout).filter((l) => / claim /.test(l)), before.all).toHaveLength(1);
    await waitFor(async () => {
      const until = Number((await env!.tmux.run('show-options', '-v', '-t', cooling, '@agentpool-until')).trim());
      return Date.now() > until + 50;
    }, { what: 'the cooldown over' });
    const dry = await env.reconcile('--dry-run');
    expect(planLines(dry.stdout).filter((l) => / claim /.test(l)).map((l) => l.split(' ').at(-3)).sort(), dry.all).toEqual(['session/ccl-auto-1', 'session/ccl-auto-2']);
    const once = await env.reconcile('--once', '--log-format', 'json');
    expect(once.exitCode, once.all).toBe(0);
    expect((await listing('active')).sort()).toEqual(['next1.md', 'next2.md']);
  }, 40_000);
});
