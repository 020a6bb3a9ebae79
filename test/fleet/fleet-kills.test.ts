/**
 * Fleet mode when a host dies or stalls (issue 26), on loopback with a real redis-server, a bare remote, a
 * front door and hosts running the fake agent. After each: every task in exactly one of done/ and failed/,
 * each done task's branch on the remote with its commit, one result per task, no task run twice at once.
 * (Redis, the front door and usage limits: fleet-redis.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { endFleet, expectAllDoneOnce, fleet, git, hostTasks, lines, queueFiles, waitAllSettled } from '../helpers/fleet.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

afterEach(() => endFleet());

describe('fleet mode when a host dies', () => {
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
