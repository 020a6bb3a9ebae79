/**
 * Fleet mode end to end (issue 26) on loopback: a real redis-server, a bare git repository as the
 * project's remote, a front door and two hosts (each a controller with its own tmux server and state
 * folder) running the fake agent, which edits and commits. Every task ends in done/ once, its branch on
 * the remote with its commit, run by a host named in its record; both hosts did work.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { chromium } from 'playwright-core';
import { findExecutable } from '../../src/util/which.js';
import { REPO_ROOT } from '../helpers/pool-env.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningController } from '../helpers/pool-env.js';
import { endFleet, fleet, git, queueFiles, record, waitAllSettled } from '../helpers/fleet.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';
import { freePort } from '../helpers/ports.js';

const lines = (c: RunningController, msg: string) => c.lines.filter((l) => l.msg === msg);

afterEach(() => endFleet());

describe('fleet mode', () => {
  it('a front door and two hosts: every task done once on a host, its branch with its commit on the remote', async () => {
    const f = await fleet({ hosts: 2, slots: 2 });
    const port = await freePort();
    await f.hosts[0]!.writeConfig({ controller: { metrics: `:${port}` } });
    const names = Array.from({ length: 6 }, (_, i) => `task-${i + 1}.md`);
    for (const [i, name] of names.entries()) await dropTask(f.project, name, `---\npriority: ${i === 5 ? 'critical' : 'default'}\n---\nChange the app.\nfile: app.txt\n`);
    const door = f.door.startController();
    const hosts = f.hosts.map((h) => h.startController());
    await waitAllSettled(f, names.length, [door, ...hosts]);
    expect(await queueFiles(f.project, 'failed')).toEqual([]);
    expect(await queueFiles(f.project, 'active')).toEqual([]);
    expect(await queueFiles(f.project, 'inbox')).toEqual([]);

    const remoteBranches = (await git(f.remote, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/agentpool/')).split('\n').sort();
    expect(remoteBranches).toEqual(names.map((n) => `agentpool/${n.replace(/\.md$/, '')}`).sort());
    const ranOn = new Map<string, number>();
    for (const name of names) {
      const r = await record(f.project, 'done', name);
      expect(r).toMatchObject({ outcome: 'done', attempts: 1, host: expect.stringMatching(/^host-[12]$/), git: { branch: `agentpool/${name.replace(/\.md$/, '')}` } });
      ranOn.set(r.host, (ranOn.get(r.host) ?? 0) + 1);
      // The branch on the remote is the attempt's head: the agent's commit on top of main.
      const head = await git(f.remote, 'rev-parse', `agentpool/${name.replace(/\.md$/, '')}`);
      expect(head).toBe(r.git.head);
      expect(await git(f.remote, 'log', '--format=%s', '-1', head)).not.toBe('base');
      expect(await git(f.remote, 'merge-base', '--is-ancestor', 'main', head).then(() => true, () => false)).toBe(true);
    }
    // Both hosts worked; the front door ran no agent; each job was taken once and finished once.
    expect([...ranOn.keys()].sort()).toEqual(['host-1', 'host-2']);
    expect(lines(door, 'launched agent')).toEqual([]);
    expect(lines(door, 'task added to the fleet\'s queue')).toHaveLength(names.length);
    expect(lines(door, 'task done in the fleet')).toHaveLength(names.length);
    const taken = hosts.flatMap((h) => lines(h, 'took a job from the fleet'));
    expect(taken).toHaveLength(names.length);
    expect(new Set(taken.map((l) => l.job)).size).toBe(names.length);
    expect(hosts.flatMap((h) => lines(h, 'fleet job done'))).toHaveLength(names.length);
    for (const h of hosts) expect(h.lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(door.lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    // status --fleet, from any controller's config: both hosts up with their sessions, the queue's jobs done.
    const status = await f.door.agentpool('status', '--fleet', '-o', 'json');
    expect(status.exitCode, status.all).toBe(0);
    const view = JSON.parse(status.stdout);
    expect(view.hosts.map((h: any) => [h.host, h.status?.role])).toEqual([['door', 'front-door'], ['host-1', 'host'], ['host-2', 'host']]);
    expect(view.hosts[1].status.slots.map((s: any) => s.session)).toEqual(['ccl-auto-1', 'ccl-auto-2']);
    expect(view.queues).toEqual([expect.objectContaining({ queue: 'agentpool-quick', waiting: 0, active: 0, completed: names.length, failed: 0, pausedUntil: null })]);
    // (Each publishes every 5 s: the hosts show their sessions idle once they published after the last task.)
    let text = '';
    await waitFor(async () => /^host-1 +host +\S+ +0\/2 +0 +agentpool-quick$/m.test((text = (await f.door.agentpool('status', '--fleet')).stdout)), { timeoutMs: 15_000, what: 'host-1 idle in status --fleet' })
      .catch((err: Error) => {
        throw new Error(`${err.message}\n${text}`);
      });
    expect(text).toMatch(/^fleet on redis:\/\/127\.0\.0\.1:\d+: 3 controllers up, 0 gone$/m);
    // The dashboard's fleet page, in Chromium: the hosts, their sessions and the shared queue.
    const webPort = await freePort();
    const web = execa('node', [join(REPO_ROOT, 'bin/agentpool.js'), 'web', '--config', f.door.configFile, '--listen', `127.0.0.1:${webPort}`], { reject: false });
    try {
      const base = `http://127.0.0.1:${webPort}`;
      await waitFor(async () => fetch(`${base}/api/fleet`).then((r) => r.ok, () => false), { timeoutMs: 15_000, what: 'the dashboard serving' });
      const browser = await chromium.launch({ executablePath: (await findExecutable('chromium', process.env.PATH ?? ''))!, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
        await page.goto(`${base}/fleet`);
        await page.waitForSelector('#hosts tr[data-host="host-2"]');
        expect(await page.locator('#hosts tr').evaluateAll((rows) => rows.map((r) => r.querySelectorAll('td')[1]?.textContent))).toEqual([undefined, 'front-door', 'host', 'host']);
        expect(await page.locator('#fleet-sessions tr[data-host="host-1"]').count()).toBe(2);
        expect(await page.locator('#queues tr[data-queue="agentpool-quick"] td').nth(5).textContent()).toBe(String(names.length));
        expect(await page.locator('#fleet-link').isVisible()).toBe(true);
        await mkdir(join(REPO_ROOT, 'test', 'artifacts'), { recursive: true });
        await page.screenshot({ path: join(REPO_ROOT, 'test', 'artifacts', 'web-fleet.png'), fullPage: true });
      } finally {
        await browser.close();
      }
    } finally {
      web.kill('SIGTERM');
      await web;
    }
    // Each controller's status file carries the fleet as it last read it (what top shows).
    // (Read every 5 s: a read as it started may have seen fewer controllers up, one while the last tasks ran
    // their jobs still active.)
    await waitFor(async () => {
      const fleet = JSON.parse(await readFile(join(f.door.dir, 'state', 'status.json'), 'utf8')).fleet;
      return fleet?.up === 3 && fleet.queues?.[0]?.active === 0;
    }, { timeoutMs: 15_000, what: 'the fleet, its jobs ended, in the front door\'s status file' });
    const door2 = JSON.parse(await readFile(join(f.door.dir, 'state', 'status.json'), 'utf8')).fleet;
    expect(door2).toMatchObject({ up: 3, gone: 0, jobsHeld: 0, queues: [{ queue: 'agentpool-quick', active: 0, failed: 0, pausedUntil: null }] });
    // A host's metrics have the fleet.
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    await waitFor(async () => /^agentpool_fleet_controllers\{state="up"\} 3$/m.test(await scrape()), { timeoutMs: 15_000, what: 'the fleet in a host\'s metrics' });
    const metrics = await scrape();
    expect(metrics).toMatch(/^agentpool_fleet_jobs_held 0$/m);
    expect(metrics).toMatch(/^agentpool_fleet_queue_jobs\{queue="agentpool-quick",state="(waiting|active|completed)"\} \d+$/m);
    // What each cost on its host comes back with its result: the front door's records and costs have it.
    // (Sonnet 4.5 for five, Opus 4.5 for the critical one.)
    for (const name of names) expect((await record(f.project, 'done', name)).usage).toMatchObject({ attempts: 1, unknown: 0, cost: name === 'task-6.md' ? 0.0375 : 0.0225 });
    expect((await f.door.agentpool('costs', '--by', 'project')).stdout).toMatch(/^webapp +6 +0 +7,200 +1,800 +12,000 +48,000 +\$0\.1500$/m);
    // tasks and describe name the host.
    const tasks = await f.door.agentpool('tasks');
    expect(tasks.stdout.split('\n')[0]).toMatch(/ HOST /);
    expect(tasks.stdout).toMatch(/^webapp +done +task-1\.md +default +\S+ +1 +host-[12] /m);
    const described = await f.door.agentpool('describe', 'task', 'task-1.md');
    expect(described.stdout).toMatch(/^Host: +host-[12] \(fleet mode: its agent ran there/m);
    // The front door's project is untouched: its main tree and its main branch.
    expect(await git(f.project, 'status', '--porcelain')).toBe('');
    expect(existsSync(join(f.project, 'app.txt'))).toBe(true);
  }, 120_000);

  it('agentpool cancel of a task in the fleet: one a host runs is stopped there and fails for good; one no host took yet is removed from the queue', async () => {
    const f = await fleet({ hosts: 1, slots: 1, workMs: 30_000 });
    await dropTask(f.project, 'running.md', 'Change the app.\nfile: app.txt\n');
    const door = f.door.startController();
    const host = f.hosts[0]!.startController();
    await host.waitForLine((l) => l.msg === 'submitted task', 'the agent at work', 20_000);
    await dropTask(f.project, 'waiting.md', 'Change the app.\nfile: app.txt\n');
    await door.waitForLine((l) => l.msg === 'task added to the fleet\'s queue' && l.taskId === 'webapp/waiting.md', 'the second task in the queue', 10_000);

    const waiting = await f.door.agentpool('cancel', 'waiting.md');
    expect(waiting.exitCode, waiting.all).toBe(0);
    expect(waiting.stdout).toMatch(/waiting\.md cancelled before a host took it/);
    const running = await f.door.agentpool('cancel', 'running.md');
    expect(running.exitCode, running.all).toBe(0);
    expect(running.stdout).toMatch(/cancelling running\.md: the host running it stops its agent/);
    await waitAllSettled(f, 2, [door, host]);
    expect(await queueFiles(f.project, 'failed')).toEqual(['running.md', 'waiting.md']);
    expect((await record(f.project, 'failed', 'running.md')).reason).toMatch(/^on host host-1: .*cancelled/);
    expect((await record(f.project, 'failed', 'waiting.md')).reason).toBe('cancelled with agentpool cancel');
    // Stopped within a few seconds, not after its 30 s of work; run once, never retried.
    expect(lines(host, 'the fleet job\'s task was cancelled: stopping its agent')).toHaveLength(1);
    expect(lines(host, 'took a job from the fleet')).toHaveLength(1);
  }, 60_000);
});
