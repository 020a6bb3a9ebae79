/**
 * Task dispatch end to end against a real tmux server and the bundled fake agent: inbox → claim → launch →
 * prompt → verified submit → done/failed → cooldown.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, type ConfigObject, type PoolEnv } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

interface FakeLogEntry {
  prompt: string;
  model: string;
  argv: string[];
  cwd: string;
  sessionId: string;
}

/** A pool env whose agent is the fake with quick turns, logging every prompt it receives. */
async function dispatchEnv(o: { size: number; agentEnv?: Record<string, string>; agent?: ConfigObject; tasks?: ConfigObject; projects?: number; dedicated?: string[] }) {
  const e = await createPoolEnv({ size: o.size, resync: '1s', ...(o.dedicated ? { dedicated: o.dedicated } : {}) });
  const projects = [e.project];
  for (let i = 2; i <= (o.projects ?? 1); i++) {
    const p = join(e.dir, `project${i}`);
    await mkdir(p);
    projects.push(p);
  }
  const fakeLog = join(e.dir, 'fake-agent.log');
  await e.writeConfig({
    pool: { agent: 'quick', cooldown: { afterTask: '50ms', afterFailure: '200ms' } },
    projects: projects.map((path) => ({ path })),
    agents: {
      quick: {
        extends: 'fake',
        env: { FAKE_AGENT_WORK_MS: '150', FAKE_AGENT_LOG: fakeLog, ...o.agentEnv },
        submitVerify: '1s',
        ...o.agent,
      },
    },
    tasks: { settle: '50ms', retryBackoff: '100ms', ...o.tasks },
  });
  return { env: e, projects, fakeLog };
}

async function filesIn(project: string, dir: string): Promise<string[]> {
  return (await readdir(join(project, '.agent-queue', dir)).catch(() => [] as string[])).filter((n) => n.endsWith('.md')).sort();
}

async function resultOf(project: string, dir: string, name: string): Promise<Record<string, any>> {
  return JSON.parse(await readFile(join(project, '.agent-queue', dir, `${name}.result.json`), 'utf8'));
}

async function fakeLog(file: string): Promise<FakeLogEntry[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as FakeLogEntry);
}

const PRIORITIES = ['critical', 'high', 'default', 'low'] as const;

describe('dispatch', () => {
  it('runs 20 tasks across 3 projects on a pool of 4: all done, each prompt once, priorities and models respected', async () => {
    const w = await dispatchEnv({ size: 4, projects: 3 });
    env = w.env;
    const tasks: Array<{ project: string; name: string; priority: string; body: string }> = [];
    for (let i = 0; i < 20; i++) {
      const priority = PRIORITIES[(i * 7) % 4]!;
      const project = w.projects[i % 3]!;
      const name = `task-${String(i).padStart(2, '0')}.md`;
      const body = `Task ${i} (${priority}): check "quotes", $(echo no) and \`ticks\`; then stop.\nSecond line ✓`;
      tasks.push({ project, name, priority, body });
      await dropTask(project, name, `---\npriority: ${priority}\ntags: [it]\n---\n${body}\n`);
    }
    const c = env.startController();
    await waitFor(async () => {
      let n = 0;
      for (const p of w.projects) n += (await filesIn(p, 'done')).length;
      return n === 20;
    }, { timeoutMs: 60_000, intervalMs: 200, what: 'all 20 tasks in done/' });

    const log = await fakeLog(w.fakeLog);
    expect(log).toHaveLength(20);
    for (const t of tasks) {
      const expected = `[${t.name}] ${t.body} When you are done, summarize what you changed.`;
      const received = log.filter((e) => e.prompt.startsWith(`[${t.name}]`));
      expect(received, t.name).toHaveLength(1);
      expect(received[0]!.prompt).toBe(expected);
      expect(received[0]!.model).toBe(t.priority === 'critical' ? 'opus' : 'sonnet');
      expect(received[0]!.argv).toContain(t.priority === 'critical' ? 'opus' : 'sonnet');
      expect(received[0]!.cwd).toBe(t.project);
      const r = await resultOf(t.project, 'done', t.name);
      expect(r).toMatchObject({ outcome: 'done', attempts: 1, model: received[0]!.model, agentSessionId: received[0]!.sessionId });
      expect(r.session).toMatch(/^ccl-auto-[1-4]$/);
      expect(r.claimedAt).toBeLessThanOrEqual(r.submittedAt);
      expect(r.submittedAt).toBeLessThanOrEqual(r.finishedAt);
    }
    // Every critical task was claimed before any low one.
    const claimed = async (p: string) => Promise.all(tasks.filter((t) => t.priority === p).map(async (t) => (await resultOf(t.project, 'done', t.name)).claimedAt as number));
    expect(Math.max(...(await claimed('critical')))).toBeLessThanOrEqual(Math.min(...(await claimed('low'))));
    // Every transition of the happy path shows in the log.
    for (const [from, to] of [['idle', 'launching'], ['launching', 'awaiting-prompt'], ['awaiting-prompt', 'working'], ['working', 'stopping'], ['stopping', 'cooldown'], ['cooldown', 'idle']]) {
      expect(c.lines.some((l) => l.from === from && l.to === to), `${from} → ${to}`).toBe(true);
    }
    for (const p of w.projects) expect(await filesIn(p, 'active')).toEqual([]);
  }, 90_000);

  it('sends a malformed task to failed/ with its reason, leaves a blank one waiting for its text and ignores *.md.dispatched; the notify command hears of each end', async () => {
    const w = await dispatchEnv({ size: 1 });
    env = w.env;
    // A notify command that appends one line per call: the event, the task, and the outcome in the record on stdin.
    const notices = join(env.dir, 'notices.jsonl');
    const script = `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>require('fs').appendFileSync(${JSON.stringify(notices)},JSON.stringify({event:process.env.AGENTPOOL_EVENT,task:require('path').basename(process.env.AGENTPOOL_TASK),outcome:JSON.parse(s).outcome,project:process.env.AGENTPOOL_PROJECT})+'\\n'))`;
    await env.writeConfig({ notify: { command: [process.execPath, '-e', script] } });
    await dropTask(env.project, 'bad-priority.md', '---\npriority: urgent\n---\nDo it\n');
    await dropTask(env.project, 'broken-yaml.md', '---\npriority: [high\n---\nDo it\n');
    await dropTask(env.project, 'empty.md', '  \n');
    await dropTask(env.project, 'old.md.dispatched', 'ran by the old dispatcher\n');
    await dropTask(env.project, 'good.md', 'A fine task\n');
    env.startController();
    await waitFor(async () => (await filesIn(env!.project, 'done')).includes('good.md') && (await filesIn(env!.project, 'failed')).length === 2, { timeoutMs: 20_000, what: 'good done, 2 failed' });
    expect((await resultOf(env.project, 'failed', 'bad-priority.md')).reason).toMatch(/unknown priority "urgent"/);
    expect((await resultOf(env.project, 'failed', 'broken-yaml.md')).reason).toMatch(/front matter is not valid YAML/);
    expect((await readdir(join(env.project, '.agent-queue', 'inbox'))).sort()).toEqual(['empty.md', 'old.md.dispatched']);
    const status = JSON.parse(await readFile(join(env.dir, 'state', 'status.json'), 'utf8')) as { problems: string[] };
    expect(status.problems).toEqual([`${join(env.project, '.agent-queue', 'inbox', 'empty.md')} is empty: it waits until a task is written in it`]);
    expect((await fakeLog(w.fakeLog)).map((e) => e.prompt.split(']')[0])).toEqual(['[good.md']);
    const heard = async () => (await readFile(notices, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    await waitFor(async () => (await heard()).length === 3, { what: 'three notices' });
    expect((await heard()).sort((a, b) => a.task.localeCompare(b.task))).toEqual([
      { event: 'failed', task: 'bad-priority.md', outcome: 'failed', project: env.project },
      { event: 'failed', task: 'broken-yaml.md', outcome: 'failed', project: env.project },
      { event: 'done', task: 'good.md', outcome: 'done', project: env.project },
    ]);
  });

  it('fails a task after maxAttempts when the agent crashes every time, and the session recovers', async () => {
    const w = await dispatchEnv({ size: 1, agentEnv: { FAKE_AGENT_CRASH: '1' }, tasks: { maxAttempts: 2 } });
    env = w.env;
    await dropTask(env.project, 'crashy.md', 'This one crashes the agent\n');
    const c = env.startController();
    await waitFor(async () => (await filesIn(env!.project, 'failed')).includes('crashy.md'), { timeoutMs: 30_000, what: 'crashy.md in failed/' });
    const r = await resultOf(env.project, 'failed', 'crashy.md');
    expect(r.attempts).toBe(2);
    expect(r.reason).toMatch(/exited.*while working/);
    expect(r.history.map((h: { outcome: string }) => h.outcome)).toEqual(['failed', 'failed']);
    expect((await fakeLog(w.fakeLog)).length).toBe(2);
    // The session heals: with a working agent the next task is done.
    await env.writeConfig({ agents: { quick: { env: { FAKE_AGENT_CRASH: '0' } } } });
    await c.waitForLine((l) => l.msg === 'config reloaded', 'config reloaded');
    await dropTask(env.project, 'after.md', 'Now it works\n');
    await waitFor(async () => (await filesIn(env!.project, 'done')).includes('after.md'), { timeoutMs: 20_000, what: 'after.md in done/' });
  }, 60_000);

  it('presses Enter again when the agent ignores the first one', async () => {
    const w = await dispatchEnv({ size: 1, agentEnv: { FAKE_AGENT_IGNORE_FIRST_ENTER: '1' }, agent: { submitVerify: '700ms' } });
    env = w.env;
    await dropTask(env.project, 'enter.md', 'Needs two Enters\n');
    const c = env.startController();
    await waitFor(async () => (await filesIn(env!.project, 'done')).includes('enter.md'), { timeoutMs: 20_000, what: 'enter.md in done/' });
    expect(c.lines.find((l) => l.msg === 'submitted task')?.enterPresses).toBe(2);
    expect((await fakeLog(w.fakeLog)).length).toBe(1);
  });

  it('requeues the task and cools the session down when the prompt never comes', async () => {
    const w = await dispatchEnv({ size: 1, agentEnv: { FAKE_AGENT_START_MS: '60000' }, agent: { promptTimeout: '1s', exit: { timeout: '300ms' } }, tasks: { maxAttempts: 2 } });
    env = w.env;
    await dropTask(env.project, 'slow.md', 'The agent never gets ready\n');
    const c = env.startController();
    const stopping = await c.waitForLine((l) => l.msg === 'transition' && l.from === 'awaiting-prompt' && l.to === 'stopping', 'prompt timeout');
    expect(stopping.reason).toMatch(/prompt timeout/);
    await c.waitForLine((l) => l.msg === 'task will be retried', 'requeue');
    await c.waitForLine((l) => l.msg === 'transition' && l.from === 'stopping' && l.to === 'cooldown', 'cooldown');
    await waitFor(async () => (await filesIn(env!.project, 'failed')).includes('slow.md'), { timeoutMs: 20_000, what: 'slow.md in failed/ after 2 attempts' });
    const r = await resultOf(env.project, 'failed', 'slow.md');
    expect(r.history).toHaveLength(2);
    expect(r.history[0].reason).toMatch(/prompt timeout/);
    expect(await fakeLog(w.fakeLog)).toEqual([]);
  }, 40_000);

  it('cools the session down until the announced reset on a usage limit and puts the task back without costing an attempt', async () => {
    const w = await dispatchEnv({ size: 1, agentEnv: { FAKE_AGENT_USAGE_LIMIT: "You've hit your session limit · resets 3:15am (UTC)" } });
    env = w.env;
    await dropTask(env.project, 'limited.md', 'Hits the limit\n');
    const c = env.startController();
    await c.waitForLine((l) => l.msg === 'task will be retried', 'requeue after the limit');
    await c.waitForLine((l) => l.msg === 'transition' && l.from === 'stopping' && l.to === 'cooldown', 'cooldown');
    const until = Number((await env.tmux.run('show-options', '-v', '-t', 'ccl-auto-1', '@agentpool-until')).trim());
    const reset = new Date(until);
    expect([reset.getUTCHours(), reset.getUTCMinutes()]).toEqual([3, 15]);
    expect(until).toBeGreaterThan(Date.now());
    expect(until - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    const sidecar = JSON.parse(await readFile(join(env.project, '.agent-queue', 'active', 'limited.md.state.json'), 'utf8'));
    expect(sidecar).toMatchObject({ state: 'queued', attempts: 0, notBefore: until });
    expect(sidecar.history[0].outcome).toBe('limited');
  });

  it('drives an agent by its screen alone (hooks off, done when idle) without waiting for the resync', async () => {
    const w = await dispatchEnv({ size: 1, agent: { hooks: false, done: 'idle' } });
    env = w.env;
    await env.writeConfig({ controller: { resync: '1h' } });
    await dropTask(env.project, 'screen.md', 'Seen on screen only\n');
    const c = env.startController();
    await waitFor(async () => (await filesIn(env!.project, 'done')).includes('screen.md'), { timeoutMs: 20_000, what: 'screen.md in done/ with no resync' });
    expect((await resultOf(env.project, 'done', 'screen.md')).reason).toMatch(/back at its prompt/);
    expect(c.lines.find((l) => l.msg === 'submitted task')?.enterPresses).toBe(1);
    expect((await fakeLog(w.fakeLog)).map((e) => e.prompt)).toEqual(['[screen.md] Seen on screen only When you are done, summarize what you changed.']);
  });

  it('never touches a dedicated session or an unowned session with a pool name', async () => {
    const w = await dispatchEnv({ size: 2, dedicated: ['ccl-main'] });
    env = w.env;
    await env.tmux.run('new-session', '-d', '-s', 'ccl-main', '--', 'sleep', '600');
    await env.tmux.run('new-session', '-d', '-s', 'ccl-auto-2', '--', 'sleep', '600');
    const before = await env.tmux.run('list-panes', '-a', '-F', '#{session_name} #{pane_pid} #{pane_current_command}');
    for (let i = 0; i < 3; i++) await dropTask(env.project, `t${i}.md`, `Task ${i}\n`);
    env.startController();
    await waitFor(async () => (await filesIn(env!.project, 'done')).length === 3, { timeoutMs: 30_000, what: '3 tasks done' });
    const after = await env.tmux.run('list-panes', '-a', '-F', '#{session_name} #{pane_pid} #{pane_current_command}');
    const pick = (text: string, name: string) => text.split('\n').find((l) => l.startsWith(`${name} `));
    for (const name of ['ccl-main', 'ccl-auto-2']) expect(pick(after, name)).toBe(pick(before, name));
    for (const t of [0, 1, 2]) expect((await resultOf(env.project, 'done', `t${t}.md`)).session).toBe('ccl-auto-1');
    expect((await env.tmux.run('show-options', '-t', 'ccl-auto-2')).includes('@agentpool')).toBe(false);
  }, 45_000);
});
