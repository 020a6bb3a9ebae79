/**
 * Fleet mode when Redis or the front door dies, and a usage limit (issue 26), on loopback with real
 * redis-server processes (and Sentinels), a bare remote, a front door and hosts running the fake agent.
 * After each: every task in exactly one of done/ and failed/, each done task's branch on the remote with
 * its commit, one result per task. (Hosts dying: fleet-kills.test.ts.)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { endFleet, expectAllDoneOnce, fleet, git, hostTasks, lines, queueFiles, waitAllSettled } from '../helpers/fleet.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

afterEach(() => endFleet());

describe('fleet mode when Redis or the front door dies', () => {
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

});
