/**
 * What tasks cost (issue 27) through a real pool: the fake agent writes Claude's transcript format with
 * known usage (each answer streamed in two copies), each attempt's record has its exact tokens and cost,
 * the task's record their sum, and `agentpool costs` groups them; a CLI whose usage cannot be read says so.
 */
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, quickPoolEnv, type PoolEnv } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';
import { freePort } from '../helpers/ports.js';

let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const record = async (name: string, dir = 'done') => JSON.parse(await readFile(join(env!.project, '.agent-queue', dir, `${name}.result.json`), 'utf8'));

describe('costs', () => {
  it('records each attempt\'s tokens and cost from its transcript, sums them per task, and agentpool costs groups them', async () => {
    const port = await freePort();
    env = await quickPoolEnv(2, 100, { controller: { metrics: `:${port}` } });
    const transcripts = join(env.dir, 'transcripts');
    await mkdir(transcripts);
    await env.writeConfig({
      agents: {
        quick: { env: { FAKE_AGENT_TRANSCRIPTS: transcripts, FAKE_AGENT_USAGE: '1000,500,100,2000,30000' } },
        // A CLI whose usage agentpool does not read: its attempts say so.
        plain: { extends: 'generic', command: ['sh', '-c', 'exit 0', 'agent', '{promptFile}'], done: 'exit' },
      },
    });
    await dropTask(env.project, 'a.md', 'Do a.\n');
    await dropTask(env.project, 'b.md', '---\npriority: critical\n---\nDo b.\n');
    await dropTask(env.project, 'c.md', '---\nagent: plain\n---\nDo c.\n');
    const c = env.startController();
    await waitFor(async () => (await Promise.all(['a.md', 'b.md', 'c.md'].map((n) => readFile(join(env!.project, '.agent-queue', 'done', n)).then(() => true, () => false)))).every(Boolean), {
      timeoutMs: 30_000, what: 'three tasks done',
    });
    const a = await record('a.md');
    const tokens = { input: 1_000, output: 500, cacheWrite5m: 100, cacheWrite1h: 2_000, cacheRead: 30_000 };
    // Sonnet 4.5: $3 input, $15 output, $3.75 and $6 cache writes, $0.30 cache reads per million.
    const sonnet = (1_000 * 3 + 500 * 15 + 100 * 3.75 + 2_000 * 6 + 30_000 * 0.3) / 1e6;
    expect(a.history.at(-1).usage).toEqual({
      source: 'claude transcript', messages: 1, tokens, prices: '2026-12-06', cost: sonnet,
      byModel: { 'claude-sonnet-4-5-20250929': { ...tokens, cost: sonnet } },
    });
    expect(a.usage).toEqual({ tokens, cost: sonnet, attempts: 1, unknown: 0, prices: '2026-12-06' });
    // Opus 4.5 for the critical one: $5, $25, $6.25, $10, $0.50.
    const opus = (1_000 * 5 + 500 * 25 + 100 * 6.25 + 2_000 * 10 + 30_000 * 0.5) / 1e6;
    expect((await record('b.md')).usage.cost).toBeCloseTo(opus, 9);
    const plain = await record('c.md');
    expect(plain.history.at(-1).usage).toEqual({ unknown: 'plain: agentpool does not read this CLI\'s usage yet' });
    expect(plain.usage).toEqual({ tokens: { input: 0, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 }, cost: null, attempts: 0, unknown: 1, prices: null });

    const json = JSON.parse((await env.agentpool('costs', '--by', 'model', '-o', 'json')).stdout);
    expect(json.rows.map((r: any) => [r.key, r.done, r.cost])).toEqual([
      ['claude-opus-4-5-20251101', 1, Math.round(opus * 1e6) / 1e6], ['claude-sonnet-4-5-20250929', 1, sonnet], ['(unknown)', 1, 0],
    ]);
    expect(json.total).toMatchObject({ done: 3, failed: 0, unknown: 1, tokens: { input: 2_000, output: 1_000, cacheRead: 60_000 } });
    const text = (await env.agentpool('costs')).stdout;
    expect(text).toMatch(/^project +3 +0 +2,000 +1,000 +4,200 +60,000 +\$0\.\d{4}$/m);
    expect(text).toContain('1 attempt(s) of a CLI whose usage agentpool cannot read yet are not in these figures');
    expect((await env.agentpool('costs', '--since', '1h', '--by', 'day', '-o', 'json')).stdout).toContain(`"key": "${new Date().toISOString().slice(0, 10)}"`);
    // The metrics count tokens and money by project, model and agent.
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^agentpool_tokens_total\{project="project",model="claude-sonnet-4-5-20250929",agent="quick",kind="cache_read"\} 30000$/m);
    expect(metrics).toMatch(new RegExp(`^agentpool_cost_total\\{project="project",model="claude-opus-4-5-20251101",agent="quick"\\} ${opus}$`, 'm'));
    // tasks and describe show each task's cost.
    const tasks = (await env.agentpool('tasks')).stdout;
    expect(tasks.split('\n')[0]).toMatch(/ COST /);
    expect(tasks).toMatch(new RegExp(`^project +done +a\\.md .* \\$${sonnet.toFixed(4).replace('.', '\\.')} `, 'm'));
    expect(tasks).toMatch(/^project +done +c\.md .* unknown /m);
    expect((await env.agentpool('describe', 'task', 'a.md')).stdout).toMatch(/^Cost: +\$0\.\d{4}: 1,000 input, 500 output, 2,100 cache write, 30,000 cache read tokens over 1 attempt\(s\) \(prices of 2026-12-06\)$/m);
    expect(c.lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  }, 60_000);

  it('a day\'s budget: once spent, no new task starts and status says until when; running ones finish; the next day work resumes', async () => {
    env = await quickPoolEnv(1, 100, { budgets: { day: { cost: 0.03 } } });
    const transcripts = join(env.dir, 'transcripts');
    await mkdir(transcripts);
    // Each turn: 1,200 input, 300 output, 2,000 1-hour cache writes, 8,000 cache reads: $0.0225 on Sonnet 4.5.
    await env.writeConfig({ agents: { quick: { env: { FAKE_AGENT_TRANSCRIPTS: transcripts } } } });
    for (const n of ['a.md', 'b.md', 'c.md']) await dropTask(env.project, n, `Do ${n}.\n`);
    const c = env.startController();
    const done = async () => (await readdir(join(env!.project, '.agent-queue', 'done')).catch(() => [] as string[])).filter((n) => n.endsWith('.md')).sort();
    // $0.0225 after the first, $0.045 after the second: the third waits.
    await waitFor(async () => (await done()).length === 2, { timeoutMs: 30_000, what: 'two tasks done' });
    const waiting = /the pool's budget for \d{4}-\d{2}-\d{2} is spent \(\$0\.0450 of \$0\.03\) until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/;
    await waitFor(async () => waiting.test((await env!.agentpool('status')).stdout), { timeoutMs: 10_000, what: 'status naming the spent budget' }).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${(await env!.agentpool('status')).stdout}\n${(await env!.agentpool('tasks')).stdout}`);
    });
    expect((await env.agentpool('tasks', '--state', 'inbox')).stdout).toMatch(waiting);
    expect((await env.reconcile('--dry-run')).stdout).toMatch(waiting);
    await new Promise((r) => setTimeout(r, 1_500)); // two more passes: still nothing claimed
    expect(await done()).toHaveLength(2);
    expect(c.lines.filter((l) => l.msg === 'claimed task')).toHaveLength(2);
    // The next day: its ledger starts empty (the day's file is named by its date; moved away here).
    const ledger = join(env.dir, 'state', 'spend');
    const [today] = await readdir(ledger);
    await rename(join(ledger, today!), join(ledger, '2000-01-01.jsonl'));
    await waitFor(async () => (await done()).length === 3, { timeoutMs: 20_000, what: 'the third task done the next day' });
  }, 60_000);

  it('a task\'s cap: its agent is stopped within seconds of passing it and the task parked; resume with a higher cap continues the same agent session to done/', async () => {
    env = await quickPoolEnv(1, 30_000, { budgets: { task: { cost: 0.01 } } });
    const transcripts = join(env.dir, 'transcripts');
    await mkdir(transcripts);
    const fakeLog = join(env.dir, 'fake.log');
    await env.writeConfig({ agents: { quick: { env: { FAKE_AGENT_TRANSCRIPTS: transcripts, FAKE_AGENT_LOG: fakeLog } } } });
    await dropTask(env.project, 'a.md', 'A long one.\n');
    const c = env.startController();
    // The answer's first copy ($0.0180 of input and cache on Sonnet 4.5) is written as the 30 s turn starts.
    const submitted = await c.waitForLine((l) => l.msg === 'submitted task', 'the task submitted', 20_000);
    const parked = await c.waitForLine((l) => l.msg === 'task parked: its cap is spent (agentpool resume continues it)', 'the task parked', 20_000);
    expect(parked.reason).toBe('it spent $0.0180 of its $0.01 cap');
    expect((parked.time as number) - (submitted.time as number)).toBeLessThan(10_000);
    const sidecar = JSON.parse(await readFile(join(env.project, '.agent-queue', 'active', 'a.md.state.json'), 'utf8'));
    expect(sidecar).toMatchObject({ state: 'queued', parked: { reason: 'it spent $0.0180 of its $0.01 cap' }, attempts: 1 });
    expect(sidecar.history.at(-1)).toMatchObject({ outcome: 'parked', usage: { cost: 0.018015 } }); // and its one output token so far
    const session = sidecar.agentSessionId as string;
    // It waits, saying why, and is neither failed nor retried.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await env.agentpool('tasks')).stdout).toMatch(/^project +waiting +a\.md .*parked: it spent \$0\.0180 of its \$0\.01 cap; agentpool resume a\.md --budget N/m);
    expect(c.lines.filter((l) => l.msg === 'claimed task')).toHaveLength(1);

    // A cap under what it spent is refused; a higher one continues the same agent session.
    expect((await env.agentpool('resume', 'a.md', '--budget', '0.01')).stdout).toMatch(/has spent \$0\.0180 already/);
    await env.writeConfig({ agents: { quick: { env: { FAKE_AGENT_WORK_MS: '100' } } } });
    const resumed = await env.agentpool('resume', 'a.md', '--budget', '1');
    expect(resumed.exitCode, resumed.all).toBe(0);
    expect(resumed.stdout).toBe(`a.md continues with a cap of $1, in its agent session ${session}`);
    const r = await (async () => {
      await waitFor(() => readFile(join(env!.project, '.agent-queue', 'done', 'a.md')).then(() => true, () => false), { timeoutMs: 20_000, what: 'a.md done' });
      return record('a.md');
    })();
    expect(r).toMatchObject({ outcome: 'done', attempts: 2, agentSessionId: session });
    const launches = (await readFile(fakeLog, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(launches.map((l) => l.sessionId)).toEqual([session, session]);
    expect(launches[1].argv).toEqual(expect.arrayContaining(['--resume', session]));
    // Both attempts counted: the parked one's $0.0180 (its first copy only), then the whole resumed turn.
    expect(r.history.map((h: any) => h.outcome)).toEqual(['parked', 'done']);
    expect(r.usage.cost).toBeCloseTo(0.018015 + 0.0225, 9);
  }, 90_000);
});
