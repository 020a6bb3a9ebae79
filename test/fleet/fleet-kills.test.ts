/**
 * Fleet mode when its parts die (issue 26), on loopback with a real redis-server, a bare remote, a front
 * door and hosts running the fake agent. After each: every task in exactly one of done/ and failed/, each
 * done task's branch on the remote with its commit, one result per task, and no task run twice at once.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningController } from '../helpers/pool-env.js';
import { endFleet, fleet, git, queueFiles, record, waitAllSettled, type Fleet } from '../helpers/fleet.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

afterEach(() => endFleet());

const lines = (c: RunningController, msg: string) => c.lines.filter((l) => l.msg === msg);
const leaf = (name: string) => name.replace(/\.md$/, '');

/** Every task settled once, done, its branch on the remote at the head its record names. */
async function expectAllDoneOnce(f: Fleet, names: string[], door: RunningController[], hosts: RunningController[] = []): Promise<Record<string, any>[]> {
  expect(await queueFiles(f.project, 'done')).toEqual([...names].sort());
  for (const dir of ['failed', 'active', 'inbox']) expect(await queueFiles(f.project, dir), dir).toEqual([]);
  const records = [];
  for (const name of names) {
    const r = await record(f.project, 'done', name);
    expect(r.git, `${JSON.stringify(r)}\n${hosts.flatMap((c) => c.lines.filter((l) => (l.level as number) >= 40)).map((l) => JSON.stringify(l)).join('\n')}`).toBeDefined();
    expect(await git(f.remote, 'rev-parse', `agentpool/${leaf(name)}`)).toBe(r.git.head);
    records.push(r);
  }
  // The front door wrote each result once, however many times it was started.
  expect(door.flatMap((c) => lines(c, 'task done in the fleet')).length).toBe(names.length);
  return records;
}

/** The local tasks a host's clone of the project settled, by folder. */
async function hostTasks(f: Fleet, host: number, dir: string): Promise<string[]> {
  const names = await readdir(join(f.hosts[host]!.dir, 'state', 'fleet', 'checkouts', 'webapp', '.agent-queue', dir)).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.md')).sort();
}

describe('fleet mode when its parts die', () => {
  it('1. a host controller SIGKILLed mid-task and restarted within the lock time keeps its job: its agent is adopted and the task runs once', async () => {
    const f = await fleet({ hosts: 1, slots: 1, workMs: 4_000, lock: '6s' });
    await dropTask(f.project, 'a.md', 'Change the app.\nfile: app.txt\n');
    const door = f.door.startController();
    const first = f.hosts[0]!.startController();
    await first.waitForLine((l) => l.msg === 'submitted task', 'the agent at work', 20_000);
    first.signal('SIGKILL');
    await waitFor(() => first.exited() !== null, { what: 'the host controller gone' });
    const second = f.hosts[0]!.startController();
    await waitAllSettled(f, 1, [door, second]);
    const [r] = await expectAllDoneOnce(f, ['a.md'], [door]);
    expect(r!).toMatchObject({ host: 'host-1', attempts: 1 });
    expect(lines(second, 'kept the fleet jobs this host held')).toHaveLength(1);
    expect(lines(second, 'took a job from the fleet')).toEqual([]);
    expect(lines(second, 'launched agent')).toEqual([]);
    expect(lines(second, 'lost a fleet job: its task is stopped here and left to the queue')).toEqual([]);
    expect(await hostTasks(f, 0, 'done')).toHaveLength(1);
  }, 90_000);

  it('2. a host SIGKILLed with its tmux server: the task reruns on another host from the branch the first pushed; the first cleans up when it is back', async () => {
    const f = await fleet({ hosts: 2, slots: 1, workMs: 8_000, lock: '3s' });
    await dropTask(f.project, 'a.md', 'Change the app.\nfile: app.txt\n');
    const door = f.door.startController();
    const first = f.hosts[0]!.startController();
    // Its agent's commit reaches the remote while it works.
    const wip = await first.waitForLine((l) => l.msg === 'pushed the task\'s work so far', 'the work in progress pushed', 30_000);
    first.signal('SIGKILL');
    await waitFor(() => first.exited() !== null, { what: 'the host controller gone' });
    await f.hosts[0]!.tmux.kill();
    const second = f.hosts[1]!.startController();
    await waitAllSettled(f, 1, [door, second]);
    const [r] = await expectAllDoneOnce(f, ['a.md'], [door]);
    expect(r).toMatchObject({ host: 'host-2' });
    // It resumed: the first host's commit is in the branch's history.
    expect(lines(second, 'took a job from the fleet')).toEqual([expect.objectContaining({ resumedFrom: 'agentpool/a', base: wip.head })]);
    expect(await git(f.remote, 'merge-base', '--is-ancestor', wip.head as string, r!.git.head).then(() => true, () => false)).toBe(true);

    // Back, the first host finds its job gone: its task is stopped here, nothing of it reaches the queue.
    const back = f.hosts[0]!.startController();
    await waitFor(async () => (await hostTasks(f, 0, 'failed')).length === 1, { timeoutMs: 20_000, what: 'the first host\'s task settled there' });
    expect(lines(back, 'lost a fleet job: its task is stopped here and left to the queue')).toHaveLength(1);
    expect(lines(back, 'fleet job done')).toEqual([]);
    expect(await queueFiles(f.project, 'done')).toEqual(['a.md']);
    expect(lines(door, 'task done in the fleet')).toHaveLength(1);
  }, 120_000);

  it('3. a host SIGSTOPped past the lock time, then SIGCONTed: another host has finished the task, and the first one\'s completion is refused', async () => {
    const f = await fleet({ hosts: 2, slots: 1, workMs: 2_000, lock: '3s' });
    await dropTask(f.project, 'a.md', 'Change the app.\nfile: app.txt\n');
    const door = f.door.startController();
    const first = f.hosts[0]!.startController();
    await first.waitForLine((l) => l.msg === 'submitted task', 'the agent at work', 20_000);
    first.signal('SIGSTOP');
    const second = f.hosts[1]!.startController();
    await waitAllSettled(f, 1, [door, second]);
    first.signal('SIGCONT');
    // The first host's agent finished meanwhile; back, it is told the job is not its own any more.
    await first.waitForLine((l) => l.msg === 'lost a fleet job: its task is stopped here and left to the queue', 'the lost job', 20_000);
    const [r] = await expectAllDoneOnce(f, ['a.md'], [door]);
    expect(r).toMatchObject({ host: 'host-2' });
    expect(lines(first, 'fleet job done')).toEqual([]);
    // Nothing more lands: the door's one result stays.
    await new Promise((res) => setTimeout(res, 1_500));
    expect(lines(door, 'task done in the fleet')).toHaveLength(1);
    expect(await git(f.remote, 'rev-parse', 'agentpool/a')).toBe(r!.git.head);
  }, 90_000);

  it('4. the Redis primary SIGKILLed under Sentinel mid-task: after the failover the work goes on, and nothing is lost', async () => {
    const f = await fleet({ hosts: 2, slots: 1, workMs: 3_000, lock: '8s', sentinel: true });
    const names = ['a.md', 'b.md', 'c.md'];
    for (const n of names) await dropTask(f.project, n, 'Change the app.\nfile: app.txt\n');
    const door = f.door.startController();
    const hosts = f.hosts.map((h) => h.startController());
    await waitFor(() => hosts.every((c) => lines(c, 'submitted task').length > 0), { timeoutMs: 30_000, what: 'both hosts at work' });
    f.sentinel!.primary.signal('SIGKILL');
    await waitFor(async () => (await f.sentinel!.primaryPort()) === f.sentinel!.replica.port, { timeoutMs: 30_000, what: 'the replica promoted' });
    await waitAllSettled(f, names.length, [door, ...hosts], 90_000);
    await expectAllDoneOnce(f, names, [door], hosts);
  }, 150_000);

  it('5. Redis stopped for less than the lock time: the agent goes on and the job ends once, on its host, in one attempt', async () => {
    const f = await fleet({ hosts: 1, slots: 1, workMs: 4_000, lock: '8s' });
    await dropTask(f.project, 'a.md', 'Change the app.\nfile: app.txt\n');
    const door = f.door.startController();
    const host = f.hosts[0]!.startController();
    await host.waitForLine((l) => l.msg === 'submitted task', 'the agent at work', 20_000);
    f.redis.signal('SIGSTOP');
    await new Promise((res) => setTimeout(res, 3_000));
    f.redis.signal('SIGCONT');
    await waitAllSettled(f, 1, [door, host]);
    const [r] = await expectAllDoneOnce(f, ['a.md'], [door], [host]);
    expect(r!).toMatchObject({ host: 'host-1', attempts: 1 });
    expect(lines(host, 'lost a fleet job: its task is stopped here and left to the queue')).toEqual([]);
    expect(lines(host, 'took a job from the fleet')).toHaveLength(1);
  }, 90_000);

  it('5. Redis stopped for more than the lock time: the job is lost by its host, stopped there, and runs again from its pushed work; one result', async () => {
    const f = await fleet({ hosts: 2, slots: 1, workMs: 8_000, lock: '3s' });
    await dropTask(f.project, 'a.md', 'Change the app.\nfile: app.txt\n');
    const door = f.door.startController();
    const hosts = f.hosts.map((h) => h.startController());
    const wip = await waitFor(() => hosts.flatMap((c) => lines(c, 'pushed the task\'s work so far'))[0], { timeoutMs: 30_000, what: 'the work in progress pushed' });
    f.redis.signal('SIGSTOP');
    await new Promise((res) => setTimeout(res, 5_000));
    const resumedAt = Date.now();
    f.redis.signal('SIGCONT');
    await waitAllSettled(f, 1, [door, ...hosts], 90_000);
    // Its host gave the job up before Redis was back (and so before another host could take it): never two agents on it.
    const lost = hosts.flatMap((c) => lines(c, 'lost a fleet job: its task is stopped here and left to the queue'));
    expect(lost[0]!.why).toMatch(/could not be renewed for \d+ s \(Redis does not answer\)/);
    expect(lost[0]!.time as number).toBeLessThan(resumedAt);
    const [r] = await expectAllDoneOnce(f, ['a.md'], [door], hosts);
    expect(hosts.flatMap((c) => lines(c, 'lost a fleet job: its task is stopped here and left to the queue'))).toHaveLength(1);
    // The job ran a second time, from the work the first attempt pushed.
    const taken = hosts.flatMap((c) => lines(c, 'took a job from the fleet')).sort((a, b) => (a.time as number) - (b.time as number));
    expect(taken).toEqual([expect.not.objectContaining({ resumedFrom: expect.anything() }), expect.objectContaining({ resumedFrom: 'agentpool/a' })]);
    expect(await git(f.remote, 'merge-base', '--is-ancestor', wip.head as string, r!.git.head).then(() => true, () => false)).toBe(true);
  }, 120_000);

  it('6. the front door SIGKILLed while jobs finish, then restarted: every result lands once', async () => {
    const f = await fleet({ hosts: 1, slots: 2, workMs: 1_000, lock: '3s' });
    const names = ['a.md', 'b.md', 'c.md', 'd.md'];
    for (const n of names) await dropTask(f.project, n, 'Change the app.\nfile: app.txt\n');
    const door = f.door.startController();
    const host = f.hosts[0]!.startController();
    await waitFor(() => lines(door, 'task added to the fleet\'s queue').length === names.length, { timeoutMs: 20_000, what: 'every task in the queue' });
    door.signal('SIGKILL');
    await waitFor(() => lines(host, 'fleet job done').length === names.length, { timeoutMs: 40_000, what: 'every job done on the host' });
    expect(await queueFiles(f.project, 'done')).toEqual([]);
    const again = f.door.startController();
    await waitAllSettled(f, names.length, [again, host]);
    await expectAllDoneOnce(f, names, [door, again]);
    expect(lines(again, 'task added to the fleet\'s queue')).toEqual([]);
  }, 90_000);

  it('7. a usage limit on one host: no host takes that agent kind until the reset, the job back without spending an attempt; other kinds go on', async () => {
    const f = await fleet({ hosts: 2, slots: 1, workMs: 300, agents: { limited: { FAKE_AGENT_USAGE_LIMIT: "You've hit your session limit · resets 3:15am (UTC)" }, other: {} } });
    await dropTask(f.project, 'a.md', 'Change the app.\nfile: app.txt\n');
    const door = f.door.startController();
    const first = f.hosts[0]!.startController();
    const paused = await first.waitForLine((l) => l.msg === 'a usage limit: the queue is paused fleet-wide until its reset, and the job is back in it', 'the pause', 30_000);
    expect(paused).toMatchObject({ queue: 'agentpool-limited', task: 'webapp/a.md' });
    expect(Date.parse(paused.until as string)).toBeGreaterThan(Date.now());
    // Tasks of another agent kind still run, on both hosts; the limited one is taken by no host meanwhile.
    for (const n of ['b.md', 'c.md']) await dropTask(f.project, n, '---\nagent: other\n---\nChange the app.\nfile: app.txt\n');
    const second = f.hosts[1]!.startController();
    await waitFor(async () => (await queueFiles(f.project, 'done')).length === 2, { timeoutMs: 30_000, what: 'the other kind\'s tasks done' }).catch((err: Error) => {
      throw new Error(`${err.message}\n${[door, first, second].map((c) => c.lines.filter((l) => l.msg !== 'pass').slice(-12).map((l) => JSON.stringify(l)).join('\n')).join('\n---\n')}`);
    });
    expect(await queueFiles(f.project, 'done')).toEqual(['b.md', 'c.md']);
    expect(await queueFiles(f.project, 'active')).toEqual(['a.md']);
    const tookA = [first, second].flatMap((c) => lines(c, 'took a job from the fleet').filter((l) => l.task === 'webapp/a.md'));
    expect(tookA).toHaveLength(1);
    // Its job waits in the queue with no attempt spent; its task on the first host was stopped there.
    const { BullEngine } = await import('../../src/fleet/bullmq.js');
    const engine = new BullEngine({ redis: { host: '127.0.0.1', port: f.redis.port }, lockMs: 3_000, stalledCheckMs: 1_000, attempts: 3, backoffMs: 100 });
    const sidecar = JSON.parse(await readFile(join(f.project, '.agent-queue', 'active', 'a.md.state.json'), 'utf8'));
    expect(await engine.status('agentpool-limited', sidecar.fleet.job)).toEqual({ state: 'waiting', attemptsMade: 0 });
    await engine.close();
    await waitFor(async () => (await hostTasks(f, 0, 'failed')).length === 1, { timeoutMs: 10_000, what: 'the limited task stopped on the first host' });
  }, 90_000);

  it('8. a host\'s slots set to 0 while it works: it finishes what it runs, takes nothing new, and another host takes the rest', async () => {
    const f = await fleet({ hosts: 2, slots: 1, workMs: 1_500, lock: '3s' });
    const names = ['a.md', 'b.md', 'c.md', 'd.md'];
    for (const n of names) await dropTask(f.project, n, 'Change the app.\nfile: app.txt\n');
    const door = f.door.startController();
    const first = f.hosts[0]!.startController();
    await first.waitForLine((l) => l.msg === 'took a job from the fleet', 'the first job taken', 20_000);
    await f.hosts[0]!.writeConfig({ pool: { size: 0 } });
    await first.waitForLine((l) => l.msg === 'config reloaded', 'the resize', 10_000);
    const taken = lines(first, 'took a job from the fleet').length;
    const second = f.hosts[1]!.startController();
    await waitAllSettled(f, names.length, [door, first, second]);
    const records = await expectAllDoneOnce(f, names, [door], [first, second]);
    expect(lines(first, 'took a job from the fleet')).toHaveLength(taken);
    expect(lines(first, 'fleet job done')).toHaveLength(taken);
    expect(records.filter((r) => r.host === 'host-2')).toHaveLength(names.length - taken);
  }, 90_000);
});
