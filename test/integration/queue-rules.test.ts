/**
 * The queue's rules through a real pool of fake agents (issue 24): after: (and a failed or unknown task it
 * names, and circles), a project's maxConcurrent beside another project, not_before, a controller restarted
 * in the middle, and `agentpool add`. Each asserts when every task was claimed against the rule, from the
 * result records, and that no task that must not run reached an agent.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, it, type TestContext } from 'vitest';
import { REPO_ROOT, ensureBuilt, quickPoolEnv, type PoolEnv, type RunningController } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

beforeAll(() => ensureBuilt(), 120_000);

interface Result {
  outcome: string;
  reason: string;
  claimedAt: number | null;
  finishedAt: number;
  session: string | null;
}

const files = async (project: string, dir: string) => (await readdir(join(project, '.agent-queue', dir)).catch(() => [] as string[])).filter((n) => n.endsWith('.md')).sort();
const result = async (project: string, dir: string, name: string) => JSON.parse(await readFile(join(project, '.agent-queue', dir, `${name}.result.json`), 'utf8')) as Result;
const prompts = async (log: string) => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { prompt: string }).prompt);

interface World {
  env: PoolEnv;
  project: string;
  other: string;
  log: string;
  controller?: RunningController;
  start(): void;
}

/**
 * A pool of `size` fake agents taking `workMs` a task, logging each prompt; a second project beside the
 * first. Its own tmux server and folder, ended with the test (the tests of this file run two at a time).
 */
async function world(t: TestContext, size: number, workMs: number): Promise<World> {
  const env = await quickPoolEnv(size, workMs);
  const other = join(env.dir, 'other');
  await mkdir(other);
  const log = join(env.dir, 'prompts.log');
  await env.writeConfig({ projects: [{ path: env.project }, { path: other }], agents: { quick: { env: { FAKE_AGENT_LOG: log } } } });
  const w: World = { env, project: env.project, other, log, start: () => void (w.controller = env.startController()) };
  t.onTestFinished(async () => {
    if (w.controller && !w.controller.exited()) await w.controller.stop();
    await env.cleanup();
  });
  return w;
}

async function settled(w: World, where: Record<string, [project: string, done: string[], failed: string[]]>, what: string): Promise<void> {
  let last = '';
  await waitFor(async () => {
    const seen = await Promise.all(Object.values(where).map(async ([p]) => [await files(p, 'done'), await files(p, 'failed')]));
    last = JSON.stringify(seen);
    return Object.values(where).every(([, done, failed], i) => JSON.stringify(seen[i]) === JSON.stringify([done, failed]));
  }, { timeoutMs: 30_000, what }).catch((err: Error) => {
    throw new Error(`${err.message}; done/failed were ${last}\n${w.controller?.lines.slice(-40).map((l) => JSON.stringify(l)).join('\n') ?? ''}`);
  });
}

describe('the queue\'s rules through a real pool', { concurrent: true }, () => {
  it('holds a task until the one it names is done, fails it with a failed one, and fails unknown names and circles as they arrive', async (t) => {
    const { expect } = t;
    const w = await world(t, 3, 400);
    await dropTask(w.project, 'a.md', 'Task A.\n');
    await dropTask(w.project, 'b.md', '---\nafter: [a.md]\n---\nTask B.\n');
    await dropTask(w.other, 'c.md', '---\nafter: [project/b.md]\n---\nTask C.\n');
    await dropTask(w.project, 'broken.md', '---\npriority: someday\n---\nBroken.\n');
    await dropTask(w.project, 'blocked.md', '---\nafter: [broken.md]\n---\nBlocked.\n');
    await dropTask(w.project, 'anyway.md', '---\nafter: [broken]\nafter_failed: run\n---\nAnyway.\n');
    await dropTask(w.project, 'unknown.md', '---\nafter: [nope.md]\n---\nUnknown.\n');
    await dropTask(w.project, 'x.md', '---\nafter: [y.md]\n---\nX.\n');
    await dropTask(w.project, 'y.md', '---\nafter: [x.md]\n---\nY.\n');
    w.start();
    await settled(w, {
      project: [w.project, ['a.md', 'anyway.md', 'b.md'], ['blocked.md', 'broken.md', 'unknown.md', 'x.md', 'y.md']],
      other: [w.other, ['c.md'], []],
    }, 'every task settled');

    const [a, b, c] = await Promise.all([result(w.project, 'done', 'a.md'), result(w.project, 'done', 'b.md'), result(w.other, 'done', 'c.md')]);
    expect(b.claimedAt!).toBeGreaterThanOrEqual(a.finishedAt);
    expect(c.claimedAt!).toBeGreaterThanOrEqual(b.finishedAt);
    expect((await result(w.project, 'failed', 'blocked.md')).reason).toMatch(/^a task it waits for failed: project\/broken\.md \(unknown priority "someday"/);
    expect((await result(w.project, 'failed', 'unknown.md')).reason).toBe("its after: names nope.md, but it is in none of project project's queue folders (inbox, active, done, failed); check the name, or drop the task it waits for in first");
    expect((await result(w.project, 'failed', 'x.md')).reason).toMatch(/^its after: goes round in a circle \(project\/x\.md → project\/y\.md → project\/x\.md\)/);
    expect((await result(w.project, 'failed', 'y.md')).reason).toMatch(/\(project\/y\.md → project\/x\.md → project\/y\.md\)/);
    // The rejected ones were never given to an agent; the others each once.
    expect((await prompts(w.log)).map((p) => /^\[(\S+)\]/.exec(p)?.[1]).sort()).toEqual(['a.md', 'anyway.md', 'b.md', 'c.md']);
  });

  it('runs a project with maxConcurrent: 1 one task at a time while the other project uses the other sessions', async (t) => {
    const { expect } = t;
    const w = await world(t, 3, 700);
    await w.env.writeConfig({ projects: [{ path: w.project, maxConcurrent: 1 }, { path: w.other }] });
    const names = ['one.md', 'two.md', 'three.md'];
    for (const n of names) await dropTask(w.project, n, `Limited ${n}.\n`);
    for (const n of ['o1.md', 'o2.md']) await dropTask(w.other, n, `Free ${n}.\n`);
    w.start();
    await settled(w, { project: [w.project, [...names].sort(), []], other: [w.other, ['o1.md', 'o2.md'], []] }, 'every task done');

    const limited = (await Promise.all(names.map((n) => result(w.project, 'done', n)))).sort((x, y) => x.claimedAt! - y.claimedAt!);
    for (let i = 1; i < limited.length; i++) expect(limited[i]!.claimedAt!, 'one at a time').toBeGreaterThanOrEqual(limited[i - 1]!.finishedAt);
    const free = await Promise.all(['o1.md', 'o2.md'].map((n) => result(w.other, 'done', n)));
    // The other project's tasks ran beside the limited project's first one, on the other sessions.
    for (const r of free) expect(r.claimedAt!).toBeLessThan(limited[0]!.finishedAt);
    expect(new Set([limited[0]!.session, ...free.map((r) => r.session)]).size).toBe(3);
  });

  it('starts a task whose not_before is two seconds ahead within a second of that time, not before', async (t) => {
    const { expect } = t;
    const w = await world(t, 1, 200);
    w.start();
    await w.controller!.waitForLine((l) => l.msg === 'created pool session', 'the pool session');
    const notBefore = Date.now() + 2_000;
    await dropTask(w.project, 'later.md', `---\nnot_before: ${new Date(notBefore).toISOString()}\n---\nLater.\n`);
    await settled(w, { project: [w.project, ['later.md'], []] }, 'later.md done');
    const late = (await result(w.project, 'done', 'later.md')).claimedAt! - notBefore;
    const log = w.controller!.lines.map((l) => `${(l.time as number) - notBefore} ${l.msg} ${l.session ?? ''}`).join('\n');
    expect(late, log).toBeGreaterThanOrEqual(0);
    expect(late, log).toBeLessThan(1_000);
  });

  it('keeps every rule across a controller restart, and shows why each task waits in tasks and the dry run', async (t) => {
    const { expect } = t;
    const w = await world(t, 3, 600);
    await w.env.writeConfig({ projects: [{ path: w.project }, { path: w.other, maxConcurrent: 1 }], tasks: { timeZone: 'UTC' } });
    await dropTask(w.project, 'a.md', 'Task A.\n');
    await dropTask(w.project, 'b.md', '---\nafter: [a.md]\n---\nTask B.\n');
    await dropTask(w.other, 'p1.md', 'P1.\n');
    await dropTask(w.other, 'p2.md', 'P2.\n');
    const notBefore = Date.now() + 4_000;
    await dropTask(w.project, 'later.md', `---\nnot_before: ${new Date(notBefore).toISOString()}\n---\nLater.\n`);
    const hhmm = new Date(notBefore).toISOString().slice(11, 16);

    const dry = await w.env.reconcile('--dry-run');
    expect(dry.stdout).toContain(`task/project/b.md waits (after a.md)`);
    expect(dry.stdout).toContain(`task/project/later.md waits (not before ${hhmm})`);
    expect(dry.stdout).toContain(`task/other/p2.md waits (project at its limit 1/1)`);
    // One pass claims what may start, then a controller takes over with the rest waiting.
    expect((await w.env.reconcile('--once')).exitCode).toBe(0);
    expect([await files(w.project, 'active'), await files(w.other, 'active')]).toEqual([['a.md'], ['p1.md']]);
    const tasks = (await w.env.agentpool('tasks')).stdout;
    expect(tasks).toMatch(/project\s+waiting\s+b\.md .*after a\.md/);
    expect(tasks).toMatch(/other\s+waiting\s+p2\.md .*project at its limit 1\/1/);
    expect(tasks).toMatch(new RegExp(`project\\s+waiting\\s+later\\.md .*not before ${hhmm}`));
    expect((await w.env.agentpool('describe', 'task', 'b.md')).stdout).toMatch(/^State:\s+waiting \(after a\.md\)$/m);
    w.start();
    await settled(w, { project: [w.project, ['a.md', 'b.md', 'later.md'], []], other: [w.other, ['p1.md', 'p2.md'], []] }, 'every task done');
    const r = async (p: string, n: string) => result(p, 'done', n);
    expect((await r(w.project, 'b.md')).claimedAt!).toBeGreaterThanOrEqual((await r(w.project, 'a.md')).finishedAt);
    expect((await r(w.other, 'p2.md')).claimedAt!).toBeGreaterThanOrEqual((await r(w.other, 'p1.md')).finishedAt);
    expect((await r(w.project, 'later.md')).claimedAt!).toBeGreaterThanOrEqual(notBefore);
  });

  it('agentpool add writes tasks that run: --after, --not-before, a body on stdin; refuses a project the config lacks, naming the ones it has', async (t) => {
    const { expect } = t;
    const w = await world(t, 2, 300);
    const add = (args: string[], input?: string) =>
      execa(process.execPath, [join(REPO_ROOT, 'bin/agentpool.js'), 'add', '--config', w.env.configFile, ...args], { reject: false, ...(input !== undefined ? { input } : { stdin: 'ignore' }) });
    const first = await add(['Write the first part.', '--project', 'project', '--title', 'First part']);
    expect([first.exitCode, first.stdout, first.stderr]).toEqual([0, 'project/first-part.md', '']);
    const second = await add(['-', '--project', 'other', '--after', 'project/first-part.md', '--priority', 'high'], 'Then the second part,\nwith "quotes" and $(no expansion).\n');
    expect([second.exitCode, second.stdout]).toEqual([0, 'other/then-the-second-part.md']);
    const at = new Date(Date.now() + 1_500);
    const third = await add(['Not before long.', '--project', 'project', '--not-before', at.toISOString().replace(/\.\d+Z$/, 'Z')]);
    expect(third.exitCode).toBe(0);
    const refused = await add(['x', '--project', 'nope']);
    expect([refused.exitCode, refused.stderr.trim()]).toEqual([2, `agentpool: no project "nope" in ${w.env.configFile}; its projects: project, other`]);
    expect((await add(['x', '--project', 'other', '--after', 'nope.md'])).stderr).toContain("after: names other/nope.md, but it is in none of project other's queue folders");

    w.start();
    await settled(w, { project: [w.project, ['first-part.md', 'not-before-long.md'], []], other: [w.other, ['then-the-second-part.md'], []] }, 'the added tasks done');
    const firstDone = await result(w.project, 'done', 'first-part.md');
    expect((await result(w.other, 'done', 'then-the-second-part.md')).claimedAt!).toBeGreaterThanOrEqual(firstDone.finishedAt);
    expect((await result(w.project, 'done', 'not-before-long.md')).claimedAt!).toBeGreaterThanOrEqual(at.getTime() - 999);
    expect(await prompts(w.log)).toContainEqual(expect.stringContaining('Then the second part,\nwith "quotes" and $(no expansion).'));
  });
});
