/**
 * A tmux server that stops answering must never wedge the pool silently (issue 21). What was met: a
 * controller killed with SIGKILL while its command channel was attached, and the server told to exit at
 * that moment, left a server that refuses every client ("server exited unexpectedly") while that channel
 * holds it; the next controller recreated sessions in a tight loop, said nothing, and ran no task.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isChannelOf } from '../../src/tmux/strays.js';
import { listProcesses } from '../../src/util/processes.js';
import { createPoolEnv, ensureBuilt, type PoolEnv } from '../helpers/pool-env.js';
import { waitFor } from '../helpers/tmux-server.js';
import { dropTask } from '../helpers/tasks.js';

let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const CONTROL = { env: { AGENTPOOL_TMUX_TRANSPORT: 'control' } };

/** The command channels on the test's socket, with their parents and states. */
async function channels(e: PoolEnv): Promise<Array<{ pid: number; ppid: number }>> {
  return (await listProcesses()).filter((p) => isChannelOf(p.argv, { socket: e.socket })).map((p) => ({ pid: p.pid, ppid: p.ppid }));
}

/** CPU seconds (user + system) a process has used, from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function pool(size: number, workMs: number, tasks: number): Promise<{ e: PoolEnv; names: string[]; log: string }> {
  const e = (env = await createPoolEnv({ size, resync: '1s' }));
  const log = join(e.dir, 'fake-agent.log');
  await e.writeConfig({
    pool: { agent: 'quick', cooldown: { afterTask: '0ms', afterFailure: '100ms' } },
    agents: { quick: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: String(workMs), FAKE_AGENT_LOG: log } } },
    tasks: { settle: '0ms', retryBackoff: '50ms', maxAttempts: 5 },
  });
  const names = Array.from({ length: tasks }, (_, i) => `t-${String(i).padStart(2, '0')}.md`);
  for (const [i, name] of names.entries()) await dropTask(e.project, name, `Task ${i}\n`);
  return { e, names, log };
}

const done = async (e: PoolEnv) => (await readdir(join(e.project, '.agent-queue', 'done'))).filter((n) => n.endsWith('.md')).sort();
const status = async (e: PoolEnv) => JSON.parse(await readFile(join(e.dir, 'state', 'status.json'), 'utf8')) as { problems: string[]; repairs?: Array<{ what: string }> };

/** Every task in done/ once; each prompt received once, or its record says why it ran again. */
async function expectEachDoneOnce(e: PoolEnv, names: string[], log: string): Promise<void> {
  expect(await done(e)).toEqual(names);
  expect(await readdir(join(e.project, '.agent-queue', 'failed')).catch(() => [])).toEqual([]);
  const prompts = (await readFile(log, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l).prompt as string);
  for (const [i, name] of names.entries()) {
    const got = prompts.filter((p) => p.startsWith(`[${name}]`));
    expect(got.length, name).toBeGreaterThan(0);
    expect(got.every((p) => p.startsWith(`[${name}] Task ${i} `)), name).toBe(true);
    if (got.length > 1) {
      // A task whose session went with the server ran again: its record names each earlier attempt and why.
      const record = JSON.parse(await readFile(join(e.project, '.agent-queue', 'done', `${name}.result.json`), 'utf8')) as { history: Array<{ outcome: string; reason: string }> };
      const earlier = record.history.filter((h) => h.outcome !== 'done');
      expect(earlier.length, `${name} ran ${got.length} times: ${JSON.stringify(record.history)}`).toBeGreaterThanOrEqual(got.length - 1);
      for (const h of earlier) expect(h.reason, name).toMatch(/went away while the agent was working|may have run twice/);
    }
  }
}

describe('a tmux server that misbehaves', () => {
  it('a controller killed with SIGKILL takes its command channel with it', async () => {
    const { e } = await pool(1, 100, 0);
    const c = e.startController([], CONTROL);
    const [channel] = await waitFor(async () => {
      const found = (await channels(e)).filter((ch) => ch.ppid === c.pid);
      return found.length ? found : undefined;
    }, { what: 'the controller\'s command channel' });
    c.signal('SIGKILL');
    await waitFor(async () => !(await channels(e)).some((ch) => ch.pid === channel!.pid), { what: 'the channel gone with its controller' });
    // The server still answers everyone, and has no client left behind.
    expect((await e.tmux.run('list-clients', '-F', '#{client_pid}')).trim()).toBe('');
  });

  it('held by a killed controller\'s channel as it was told to exit: the next controller ends the channel, says so in status, and every task is done once', async () => {
    const { e, names, log } = await pool(2, 300, 8);
    const first = e.startController([], CONTROL);
    const [channel] = await waitFor(async () => {
      const found = (await channels(e)).filter((ch) => ch.ppid === first.pid);
      return found.length ? found : undefined;
    }, { what: 'the first controller\'s command channel' });
    await waitFor(async () => (await done(e)).length >= 1, { timeoutMs: 30_000, what: 'a first task done' });
    // The race that was met, made certain: the channel does not act on anything (stopped) while the server
    // is told to exit and its controller is killed; it is left attached with its parent gone.
    process.kill(channel!.pid, 'SIGSTOP');
    await e.tmux.tryRun('kill-server');
    first.signal('SIGKILL');
    await first.stop();
    await waitFor(async () => (await channels(e)).some((ch) => ch.pid === channel!.pid && ch.ppid !== first.pid), { what: 'the channel orphaned' });
    const refused = await e.tmux.tryRun('list-sessions');
    expect(refused.stderr).toMatch(/server exited unexpectedly/);

    const started = Date.now();
    const next = e.startController([], CONTROL);
    await next.waitForLine((l) => /tmux: ended a command channel left attached by a controller that is gone \(pid \d+\)/.test(l.msg ?? ''), 'the stray channel ended', 30_000);
    await waitFor(async () => (await done(e)).length === names.length, { timeoutMs: 60_000, what: 'every task done after the recovery' });
    expect(Date.now() - started).toBeLessThan(90_000);
    expect((await status(e)).repairs?.map((r) => r.what)).toEqual([expect.stringMatching(new RegExp(`left attached by a controller that is gone \\(pid ${channel!.pid}\\)`))]);
    expect((await channels(e)).map((ch) => ch.pid)).not.toContain(channel!.pid);
    await next.stop();
    await expectEachDoneOnce(e, names, log);
  }, 150_000);

  it('that stops answering (SIGSTOP): the controller names it in status, waits under 5 % of a core, ends the server, and every task is done once', async () => {
    const { e, names, log } = await pool(2, 1_500, 6);
    const c = e.startController([], CONTROL);
    await waitFor(async () => (await done(e)).length >= 1, { timeoutMs: 30_000, what: 'a first task done' });
    const server = Number((await e.tmux.run('display-message', '-p', '#{pid}')).trim());
    process.kill(server, 'SIGSTOP');
    try {
      const problem = await waitFor(async () => {
        const s = await status(e).catch(() => null);
        return s?.problems.some((p) => /got no answer/.test(p)) ? s.problems : undefined;
      }, { timeoutMs: 40_000, what: 'the problem named in status' });
      expect(problem).toContainEqual(expect.stringMatching(/^agentpool ends stray command channels .* if it still fails at \d\d:\d\d:\d\d it ends the server and starts a new one/));
      const cpuAtProblem = await cpuSeconds(c.pid);
      const waitStarted = Date.now();
      const restarted = await c.waitForLine((l) => /tmux: ended the tmux server \(pid \d+\)/.test(l.msg ?? ''), 'the server ended', 60_000);
      const waited = (Date.now() - waitStarted) / 1000;
      const cpu = (await cpuSeconds(c.pid)) - cpuAtProblem;
      // The measure the issue asks for, with room: a controller in a tight loop used 57 % of a core.
      expect(cpu / Math.max(waited, 1), `${cpu} s of CPU in ${waited} s of waiting`).toBeLessThan(0.05);
      expect(restarted.msg).toContain(`pid ${server}`);
    } finally {
      try {
        process.kill(server, 'SIGCONT');
      } catch {
        // ended by the controller, as it should be
      }
    }
    await waitFor(async () => (await done(e)).length === names.length, { timeoutMs: 60_000, what: 'every task done after the restart' });
    await waitFor(async () => (await status(e)).problems.length === 0, { what: 'the problem resolved in status' });
    await c.stop();
    await expectEachDoneOnce(e, names, log);
  }, 180_000);
});
