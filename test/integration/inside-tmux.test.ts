/**
 * The controller started the way most people start it: from a shell inside their own tmux, so it inherits
 * TMUX and TMUX_PANE (as tmux itself sets them, read from a real pane). Nothing of that may change what it
 * does to its own server: every pool session carries its own slot's tags, every slot works, no session of
 * the user's is touched, no false "not created by agentpool" warning appears.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, type PoolEnv, type RunningController } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { shellEnvIn, testTmux, waitFor, type TestTmux } from '../helpers/tmux-server.js';

const SIZE = 20;
const TASKS = 40;
const WARN = 40;

const envs: PoolEnv[] = [];
const servers: TestTmux[] = [];
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  for (const e of envs.splice(0)) await e.cleanup();
  for (const s of servers.splice(0)) await s.kill();
});

async function poolEnv(o: { dedicated?: string[] } = {}): Promise<PoolEnv> {
  const env = await createPoolEnv({ size: SIZE, resync: '1s', ...o });
  envs.push(env);
  await env.writeConfig({
    pool: { agent: 'quick', cooldown: { afterTask: '0ms', afterFailure: '100ms' } },
    // Twenty agents start at once on 2 cores: under load one took over the default 30 s to show its prompt
    // (and was retried), and two took over the default 2 s to show a pasted task (Enter pressed again, a
    // warning). This test is about tags and sessions, not timeouts.
    agents: { quick: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: '300' }, promptTimeout: '3m', submitVerify: '15s' } },
    tasks: { settle: '0ms' },
  });
  for (let i = 1; i <= TASKS; i++) await dropTask(env.project, `t${String(i).padStart(2, '0')}.md`, `Task number ${i}.\n`);
  return env;
}

/** Runs the pool until every task is done; asserts each slot's tags, that every slot worked, and a clean log. */
async function runPool(env: PoolEnv, shell: Record<string, string>): Promise<RunningController> {
  const c = env.startController([], { env: shell });
  const done = join(env.project, '.agent-queue', 'done');
  const finished = async () => (await readdir(done).catch(() => [] as string[])).filter((n) => n.endsWith('.md.result.json'));
  await waitFor(async () => (await finished()).length === TASKS, { timeoutMs: 240_000, intervalMs: 200, what: `${TASKS} tasks in done/` }).catch((err: Error) => {
    throw new Error(`${err.message}\n${c.lines.slice(-40).map((l) => JSON.stringify(l)).join('\n')}\nstderr: ${c.stderr()}`);
  });

  const tags = await env.tmux.run('list-sessions', '-F', '#{session_id} #{session_name} pool=#{@agentpool-pool} slot=#{@agentpool-slot}');
  const pool = tags.split('\n').filter((l) => / ccl-auto-\d+ /.test(l));
  expect(pool, tags).toHaveLength(SIZE);
  for (const line of pool) {
    const [, name, n] = / (ccl-auto-(\d+)) /.exec(line)!;
    expect(line, `the tags of ${name}`).toMatch(new RegExp(` pool=ccl-auto- slot=${n}$`));
  }

  const records = await Promise.all((await finished()).map(async (f) => JSON.parse(await readFile(join(done, f), 'utf8')) as { session: string; attempts: number }));
  const worked = new Set(records.map((r) => r.session));
  expect([...worked].sort(), 'every slot ran at least one task').toEqual(Array.from({ length: SIZE }, (_, i) => `ccl-auto-${i + 1}`).sort());
  expect(records.every((r) => r.attempts === 1)).toBe(true);

  expect(c.lines.filter((l) => (l.level ?? 0) >= WARN).map((l) => l.msg)).toEqual([]);
  expect(c.lines.filter((l) => l.msg === 'transition' && l.event === 'VANISHED')).toEqual([]);
  expect(c.lines.filter((l) => l.msg === 'created pool session')).toHaveLength(SIZE);
  return c;
}

describe('a controller started from a shell inside tmux', () => {
  it(`keeps every one of ${SIZE} sessions tagged and working when its shell is in the user's own tmux (3 runs)`, async () => {
    for (let run = 1; run <= 3; run++) {
      const env = await poolEnv();
      const user = testTmux();
      servers.push(user);
      const shell = await shellEnvIn(user, 'me', env.dir);
      await runPool(env, shell);
      // The user's own server is as it was: one session, no agentpool options.
      expect(await user.run('list-sessions', '-F', '#{session_name}')).toBe('me');
      expect(await user.run('show-options', '-t', 'me')).not.toMatch(/@agentpool/);
      await env.cleanup();
      envs.splice(envs.indexOf(env), 1);
    }
  }, 800_000);

  it("never touches the user's own session when its shell is in a pane of the pool's server", async () => {
    const env = await poolEnv({ dedicated: ['ux-main'] });
    const shell = await shellEnvIn(env.tmux, 'ux-main', env.dir);
    await runPool(env, shell);
    expect(await env.tmux.run('show-options', '-t', 'ux-main')).not.toMatch(/@agentpool/);
    expect(await env.tmux.run('show-options', '-w', '-t', 'ux-main')).not.toMatch(/remain-on-exit/);
    expect(await env.tmux.run('display-message', '-p', '-t', 'ux-main', '#{pane_current_command}')).toBe('sleep');
  }, 300_000);
});
