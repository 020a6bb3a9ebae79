/**
 * The operator's controls against a real controller, tmux and the fake agent: each goes through the
 * controller (a request file it answers), does what it says, and fails clearly when no controller runs.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, quickPoolEnv, type PoolEnv } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

const WARN = 40;
let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const queue = (e: PoolEnv, dir: string, name: string) => join(e.project, '.agent-queue', dir, name);
const record = async (e: PoolEnv, dir: string, name: string) => JSON.parse(await readFile(queue(e, dir, `${name}.result.json`), 'utf8'));

describe('retry, cancel, cordon, uncordon and drain', () => {
  it('say that no controller runs, and change nothing', async () => {
    env = await createPoolEnv({ size: 1 });
    await dropTask(env.project, 'a.md', 'A.\n');
    const r = await env.agentpool('cancel', 'a.md');
    expect(r.exitCode).toBe(1);
    // The hint runs as printed: with the --config the command was given.
    expect(r.stderr).toContain(`no controller is running for ${env.configFile}: start one with agentpool reconcile --config '${env.configFile}';`);
    expect(existsSync(queue(env, 'inbox', 'a.md'))).toBe(true);
  });

  it('do what they say through the running controller', async () => {
    // Long enough for two CLI commands to run while a task works, on a loaded machine too.
    env = await quickPoolEnv(2, 8000);
    const c = env.startController();
    await c.waitForLine((l) => l.msg === 'controller started', 'start');
    await waitFor(async () => (await env!.agentpool('status', '-o', 'json')).stdout.includes('"running": true'), { timeoutMs: 30_000, what: 'a live status' });

    // ccl-auto-2 cordoned: the second task waits in the inbox instead of going to it.
    let r = await env.agentpool('cordon', 'ccl-auto-2');
    expect([r.exitCode, r.stdout]).toEqual([0, 'ccl-auto-2 takes no new work']);
    expect((await env.agentpool('cordon', 'nope-1')).stdout).toMatch(/nope-1 is not a session of the pool ccl-auto-\*/);
    await dropTask(env.project, 'a.md', 'A.\n');
    await c.waitForLine((l) => l.msg === 'submitted task', 'a.md at work', 40_000);
    await dropTask(env.project, 'b.md', 'B.\n');
    const status = JSON.parse((await env.agentpool('status', '-o', 'json')).stdout);
    expect(status.sessions.find((s: { session: string }) => s.session === 'ccl-auto-2')).toMatchObject({ cordoned: true, task: '' });

    // Cancelled in the inbox: to failed/ with the reason; cancelled at work: its agent stopped at once.
    r = await env.agentpool('cancel', 'b.md');
    expect([r.exitCode, r.stdout]).toEqual([0, `b.md cancelled before it started: ${queue(env, 'failed', 'b.md')}`]);
    expect((await record(env, 'failed', 'b.md')).reason).toBe('cancelled with agentpool cancel');
    r = await env.agentpool('cancel', 'a.md');
    expect([r.exitCode, r.stdout]).toEqual([0, 'cancelling a.md: the agent in ccl-auto-1 is stopped and the task goes to failed/']);
    await waitFor(() => existsSync(queue(env!, 'failed', 'a.md')), { timeoutMs: 30_000, what: 'a.md in failed/' });
    expect(await record(env, 'failed', 'a.md')).toMatchObject({ reason: 'cancelled with agentpool cancel', attempts: 1 });
    expect((await env.agentpool('cancel', 'a.md')).stdout).toBe('a.md has already ended (in failed/)');

    // Retried: queued again with its attempts reset and its history kept, then done.
    r = await env.agentpool('retry', 'a.md');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^a\.md is queued again \(.*active\/a\.md\), attempts reset, its history kept$/);
    await c.waitForLine((l) => l.msg === 'submitted task' && String(l.task).endsWith('active/a.md') && c.lines.filter((x) => x.msg === 'submitted task').length === 2, 'a.md at work again', 40_000);
    // Drain waits for that task to end.
    r = await env.agentpool('drain', 'ccl-auto-1');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['ccl-auto-1 finishes a.md, then takes no new work', 'waiting for ccl-auto-1 to finish a.md (working)', `ccl-auto-1 is drained: it takes no new work until agentpool uncordon ccl-auto-1 --config '${env.configFile}'`]);
    const done = await record(env, 'done', 'a.md');
    expect(done.attempts).toBe(1);
    expect(done.history.map((h: { outcome: string }) => h.outcome)).toEqual(['failed', 'retried', 'done']);
    expect(existsSync(queue(env, 'failed', 'a.md'))).toBe(false);

    // Both cordoned: a new task waits until one is uncordoned.
    await dropTask(env.project, 'c.md', 'C.\n');
    expect((await env.reconcile('--dry-run')).stdout).not.toMatch(/claim/);
    expect((await env.agentpool('uncordon', 'ccl-auto-2')).stdout).toBe('ccl-auto-2 takes tasks again');
    await waitFor(() => existsSync(queue(env!, 'done', 'c.md')), { timeoutMs: 60_000, what: 'c.md done' });
    expect((await record(env, 'done', 'c.md')).session).toBe('ccl-auto-2');
    expect(c.lines.filter((l) => (l.level ?? 0) >= WARN).map((l) => l.msg)).toEqual([]);
  }, 150_000);

  it('retry judges the file again: an over-size or broken task is refused with the reason, never reaches an agent, and costs no session a cooldown', async () => {
    env = await quickPoolEnv(3, 100, { pool: { cooldown: { afterFailure: '5m' } }, tasks: { maxBytes: 1024 } });
    const fakeLog = join(env.dir, 'received.log');
    await env.writeConfig({ agents: { quick: { env: { FAKE_AGENT_LOG: fakeLog } } } });
    const c = env.startController();
    await dropTask(env.project, 'huge.md', 'x'.repeat(1025));
    for (const n of [1, 2, 3]) await dropTask(env.project, `broken-${n}.md`, '---\npriority: [\n---\nbody\n');
    const bad = ['huge.md', 'broken-1.md', 'broken-2.md', 'broken-3.md'];
    await waitFor(async () => bad.every((n) => existsSync(queue(env!, 'failed', `${n}.result.json`))), { timeoutMs: 30_000, what: 'the bad tasks rejected' });
    for (const n of bad) {
      const r = await env.agentpool('retry', n);
      expect([r.exitCode, r.stdout], r.stderr).toEqual([1, expect.stringMatching(new RegExp(`^${n.replace('.', '\\.')} cannot be retried: fix the file first: (the file is 1025 bytes|.*front matter)`))]);
      expect(existsSync(queue(env, 'failed', n))).toBe(true);
    }
    // Every session is free: three good tasks run at once, one on each.
    for (const n of [1, 2, 3]) await dropTask(env.project, `good-${n}.md`, `Good ${n}.\n`);
    await waitFor(async () => [1, 2, 3].every((n) => existsSync(queue(env!, 'done', `good-${n}.md`))), { timeoutMs: 30_000, what: 'the good tasks done' });
    const sessions = await Promise.all([1, 2, 3].map(async (n) => (await record(env!, 'done', `good-${n}.md`)).session as string));
    expect(new Set(sessions).size).toBe(3);
    const received = existsSync(fakeLog) ? (await readFile(fakeLog, 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { prompt: string }).prompt) : [];
    expect(received.filter((p) => !/^\[good-\d\.md\]/.test(p))).toEqual([]);
    expect(c.lines.filter((l) => l.msg === 'transition' && l.to === 'cooldown' && l.from === 'stopping').map((l) => l.reason ?? '')).not.toContainEqual(expect.stringMatching(/cannot run/));
  });

  it('wait as planned actions that a dry run shows, and the running controller performs', async () => {
    env = await quickPoolEnv(1, 60_000);
    const c = env.startController();
    await c.waitForLine((l) => l.msg === 'controller started', 'start');
    await dropTask(env.project, 'a.md', 'A.\n');
    await c.waitForLine((l) => l.msg === 'submitted task', 'a.md at work', 40_000);
    await waitFor(async () => (await env!.agentpool('status', '-o', 'json')).stdout.includes('"running": true'), { timeoutMs: 30_000, what: 'a live status' });

    // The controller is held still, so the request waits for it as it would for a busy one.
    const requests = join(env.dir, 'state', 'requests');
    c.signal('SIGSTOP');
    let cancel: ReturnType<PoolEnv['agentpool']>;
    try {
      cancel = env.agentpool('cancel', 'a.md');
      await waitFor(async () => (await readdir(requests)).some((n) => n.endsWith('.json') && !n.endsWith('.reply.json')), { timeoutMs: 20_000, what: 'the cancel request' });
      const dry = await env.reconcile('--dry-run', '--exit-code');
      expect(dry.exitCode, dry.stderr).toBe(1);
      expect(dry.stdout).toMatch(/^task\/project\/a\.md cancel → stop the agent in session\/ccl-auto-1 \(requested \d+ s ago\)$/m);
      const json = JSON.parse((await env.reconcile('--dry-run', '-o', 'json')).stdout);
      expect(json).toContainEqual(expect.objectContaining({ kind: 'cancel-task', path: queue(env, 'active', 'a.md'), session: 'ccl-auto-1' }));
      // A dry run changes nothing: the request still waits, the agent still works.
      expect((await readdir(requests)).filter((n) => !n.startsWith('.'))).toHaveLength(1);
    } finally {
      c.signal('SIGCONT');
    }
    const r = await cancel;
    expect([r.exitCode, r.stdout], r.stderr).toEqual([0, 'cancelling a.md: the agent in ccl-auto-1 is stopped and the task goes to failed/']);
    await waitFor(() => existsSync(queue(env!, 'failed', 'a.md')), { timeoutMs: 30_000, what: 'a.md in failed/' });
    expect(await record(env, 'failed', 'a.md')).toMatchObject({ reason: 'cancelled with agentpool cancel', attempts: 1 });
    expect(c.lines.find((l) => l.request === 'cancel')).toMatchObject({ ok: true, msg: 'cancelling a.md: the agent in ccl-auto-1 is stopped and the task goes to failed/' });
    expect((await env.reconcile('--dry-run')).stdout).not.toMatch(/cancel/);
    expect(c.lines.filter((l) => (l.level ?? 0) >= WARN).map((l) => l.msg)).toEqual([]);
  }, 120_000);
});
