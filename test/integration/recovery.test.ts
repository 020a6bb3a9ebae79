/**
 * Crash safety and recovery against real tmux and the fake agent: one controller per pool, SIGTERM leaves
 * agents running and a restart adopts them, a dead tmux server is rebuilt and its tasks retried with the
 * reason recorded, SIGHUP reloads.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, type PoolEnv } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

async function quickEnv(size: number, workMs: number) {
  const e = await createPoolEnv({ size, resync: '1s' });
  const fakeLog = join(e.dir, 'fake-agent.log');
  await e.writeConfig({
    pool: { agent: 'quick', cooldown: { afterTask: '0ms', afterFailure: '100ms' } },
    agents: { quick: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: String(workMs), FAKE_AGENT_LOG: fakeLog } } },
    tasks: { settle: '0ms', retryBackoff: '50ms' },
  });
  return { e, fakeLog };
}

const listing = async (project: string, dir: string) => (await readdir(join(project, '.agent-queue', dir)).catch(() => [] as string[])).filter((n) => n.endsWith('.md'));
const prompts = async (file: string) => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l).prompt as string);

describe('recovery', () => {
  it('refuses a second controller on the same pool, naming the running one', async () => {
    env = (await quickEnv(1, 100)).e;
    const first = env.startController();
    await first.waitForLine((l) => l.msg === 'controller started', 'start');
    const second = await env.reconcile('--log-format', 'json');
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(/another agentpool controller \(pid \d+, config .+desired-state\.yaml\) is running/);
  });

  it('refuses a second controller on the same tmux server with another state directory', async () => {
    env = (await quickEnv(1, 100)).e;
    const first = env.startController();
    const started = await first.waitForLine((l) => l.msg === 'controller started', 'start');
    const copy = join(env.dir, 'copy.yaml');
    await writeFile(copy, env.configText.replace(/stateDir: .*/, `stateDir: ${join(env.dir, 'other-state')}`));
    const second = await env.run('reconcile', ['--config', copy, '--log-format', 'json']);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain(`another agentpool controller (pid ${started.pid}, config ${env.configFile}) is running on the tmux server tmux -L ${env.socket}`);
    expect(first.exited()).toBeNull();
  });

  it('takes over a stale lock left by a killed controller', async () => {
    env = (await quickEnv(1, 100)).e;
    const first = env.startController();
    await first.waitForLine((l) => l.msg === 'controller started', 'start');
    const started = await first.waitForLine((l) => l.msg === 'controller started', 'start');
    // SIGKILL: no chance to release the lock.
    process.kill(started.pid as number, 'SIGKILL');
    await waitFor(() => first.exited(), { what: 'the first controller gone' });
    const second = env.startController();
    await second.waitForLine((l) => l.msg === 'controller started', 'restart after a stale lock');
  });

  it('leaves a working agent running on SIGTERM, and a restarted controller adopts it: the task finishes once', async () => {
    const { e, fakeLog } = await quickEnv(1, 3000);
    env = e;
    await dropTask(env.project, 'long.md', 'A long task\n');
    const first = env.startController();
    await first.waitForLine((l) => l.to === 'working' && l.from !== 'working', 'working');
    const stopped = await first.stop();
    expect(stopped, first.stderr()).toMatchObject({ exitCode: 0, timedOut: false });
    // The agent is still at work in its pane.
    expect(await env.tmux.run('display', '-p', '-t', 'ccl-auto-1', '#{pane_current_command}')).toMatch(/^(node|bwrap)$/);
    const second = env.startController();
    const adopted = await second.waitForLine((l) => l.msg === 'transition' && l.event === 'ADOPT', 'adoption');
    expect(adopted.to).toBe('working');
    await waitFor(async () => (await listing(env!.project, 'done')).includes('long.md'), { timeoutMs: 20_000, what: 'long.md done' });
    expect(await prompts(fakeLog)).toHaveLength(1);
    expect(JSON.parse(await readFile(join(env.project, '.agent-queue', 'done', 'long.md.result.json'), 'utf8')).attempts).toBe(1);
  }, 40_000);

  it('rebuilds the pool when the tmux server dies and retries the running task with the reason recorded', async () => {
    const { e, fakeLog } = await quickEnv(2, 2500);
    env = e;
    await dropTask(env.project, 'victim.md', 'Running when tmux dies\n');
    const c = env.startController();
    await c.waitForLine((l) => l.to === 'working' && l.from !== 'working', 'working');
    await env.tmux.kill();
    await c.waitForLine((l) => l.msg === 'task back in the queue', 'requeue after tmux death');
    await waitFor(async () => (await env!.sessions()).filter((s) => s.pool === 'ccl-auto-').length === 2, { what: 'pool rebuilt' });
    await waitFor(async () => (await listing(env!.project, 'done')).includes('victim.md'), { timeoutMs: 30_000, what: 'victim.md done' });
    const r = JSON.parse(await readFile(join(env.project, '.agent-queue', 'done', 'victim.md.result.json'), 'utf8'));
    expect(r.attempts).toBe(2);
    expect(r.history[0].reason).toMatch(/went away while the agent was working/);
    expect(await prompts(fakeLog)).toHaveLength(2);
  }, 45_000);

  it('reloads the config on SIGHUP', async () => {
    env = (await quickEnv(1, 100)).e;
    const c = env.startController();
    const started = await c.waitForLine((l) => l.msg === 'controller started', 'start');
    process.kill(started.pid as number, 'SIGHUP');
    await c.waitForLine((l) => l.msg === 'config reloaded' && l.why === 'SIGHUP', 'reload on SIGHUP');
  });

  it('shows idle in status once a cooldown has ended by its timer, as the slot machine says', async () => {
    env = (await quickEnv(1, 100)).e;
    await env.writeConfig({ pool: { cooldown: { afterTask: '1s' } } });
    await dropTask(env.project, 'one.md', 'One\n');
    const c = env.startController();
    await c.waitForLine((l) => l.msg === 'transition' && l.from === 'cooldown' && l.to === 'idle', 'the cooldown over', 30_000);
    const state = async () => (JSON.parse((await env!.agentpool('status', '-o', 'json')).stdout).sessions as Array<{ session: string; state: string }>)[0]?.state;
    await waitFor(async () => (await state()) === 'idle', { what: 'status to say idle' });
  }, 40_000);

  it('status comes from the running controller: each slot with its state, for how long, task, project, model and attempt; a refused edit; then that no controller runs', async () => {
    env = (await quickEnv(2, 60_000)).e;
    await dropTask(env.project, 'long.md', '---\npriority: critical\n---\nA long one\n');
    const c = env.startController();
    await c.waitForLine((l) => l.msg === 'submitted task', 'the submit');
    type Status = { controller: { running: boolean; pid?: number; generation?: number; lastReload?: { ok: boolean; errors: string[] } | null }; sessions: Array<Record<string, unknown>> };
    const status = async () => JSON.parse((await env!.agentpool('status', '-o', 'json')).stdout) as Status;
    const working = await waitFor(async () => {
      const s = await status();
      return s.sessions.find((r) => r.state === 'working') ? s : undefined;
    }, { what: 'status to show the working slot' });
    expect(working.controller).toMatchObject({ running: true, pid: expect.any(Number), generation: 1, lastReload: null });
    expect(working.sessions.find((r) => r.state === 'working')).toMatchObject({
      role: 'pool', task: 'long.md', project: 'project', model: 'opus', attempt: 1, since: expect.any(Number), lastError: null,
    });
    expect(working.sessions.find((r) => r.state === 'idle')).toMatchObject({ role: 'pool', task: '' });

    // An edit that cannot be taken: the status says so, and the last good config stays in force.
    const good = env.configText;
    await env.writeConfigText(`${good}\npool: {}\n`);
    await c.waitForLine((l) => String(l.msg).includes('keeping the last good config'), 'the refused edit');
    const refused = await waitFor(async () => {
      const s = await status();
      return s.controller.lastReload ? s : undefined;
    }, { what: 'the refused edit in the status' });
    expect(refused.controller).toMatchObject({ generation: 1, lastReload: { ok: false, errors: [expect.stringMatching(/desired-state\.yaml:\d+:\d+:/)] } });
    const table = await env.agentpool('status');
    expect(table.stdout).toMatch(/controller pid \d+, up \d+s, config generation 1; the last config edit \(\d+s ago\) was refused: /);
    expect(table.stderr).toMatch(/the config file has errors; the running controller keeps config generation 1/);
    expect(table.stdout).toMatch(/^ccl-auto-\d\s+pool\s+working\s+\d+s\s+long\.md\s+project\s+opus\s+1\s/m);

    // Fixed: the controller takes it as its second generation.
    await env.writeConfigText(good);
    await waitFor(async () => (await status()).controller.generation === 2, { what: 'generation 2' });
    expect((await status()).controller.lastReload).toMatchObject({ ok: true, errors: [] });

    // A key the running controller is bound to: the edit is refused naming that key and nothing else, in
    // one log line however often the file is seen changed, and the status says so.
    await env.writeConfig({ pool: { prefix: 'w-' } });
    const prefix = 'pool.prefix cannot change while the controller runs ("ccl-auto-" → "w-"): restart it to apply this edit; the last good config stays in force until then';
    await c.waitForLine((l) => l.msg === prefix, 'the refused prefix edit');
    await waitFor(async () => (await status()).controller.lastReload?.ok === false, { what: 'the refusal in the status' });
    expect((await status()).controller).toMatchObject({ generation: 2, lastReload: { ok: false, errors: [prefix] } });
    await env.writeConfig({ pool: { prefix: 'w-' } });
    await env.writeConfigText(good);
    await waitFor(async () => (await status()).controller.generation === 3, { what: 'generation 3' });
    expect(c.lines.filter((l) => l.msg === prefix)).toHaveLength(1);

    await c.stop();
    const after = await env.agentpool('status');
    expect(after.stdout).toMatch(/no controller is running \(the last one wrote its status \d+s ago\); states below are as saved on the sessions/);
    expect(JSON.parse((await env.agentpool('status', '-o', 'json')).stdout).controller).toMatchObject({ running: false, lastStatusAgeMs: expect.any(Number) });
  }, 60_000);
});
