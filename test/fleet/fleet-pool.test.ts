/**
 * Fleet mode end to end (issue 26) on loopback: a real redis-server, a bare git repository as the
 * project's remote, a front door and two hosts (each a controller with its own tmux server and state
 * folder) running the fake agent, which edits and commits. Every task ends in done/ once, its branch on
 * the remote with its commit, run by a host named in its record; both hosts did work.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, type PoolEnv, type RunningController } from '../helpers/pool-env.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

const git = async (cwd: string, ...args: string[]) => (await execa('git', args, { cwd })).stdout.trim();

let redis: TestRedis | undefined;
const envs: PoolEnv[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((e) => e.cleanup()));
  await redis?.stop();
  redis = undefined;
});

interface Fleet {
  door: PoolEnv;
  hosts: PoolEnv[];
  project: string;
  remote: string;
}

/** A front door with a project whose remote is a bare repository, and `hosts` hosts of `slots` fake agents each. */
async function fleet(hosts: number, slots: number, lock = '3s'): Promise<Fleet> {
  await ensureBuilt();
  redis = await startRedis();
  const door = await createPoolEnv({ size: 0, resync: '1s' });
  envs.push(door);
  const remote = join(door.dir, 'remote.git');
  await execa('git', ['init', '--quiet', '--bare', '--initial-branch=main', remote]);
  const project = join(door.dir, 'webapp');
  await execa('git', ['clone', '--quiet', remote, project]);
  await writeFile(join(project, '.gitignore'), '.agent-queue/\n');
  await writeFile(join(project, 'app.txt'), 'base\n');
  await git(project, 'add', '.');
  await git(project, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'base');
  await git(project, 'push', '--quiet', 'origin', 'main');
  const fleetOf = (host: string, role: string) => ({ redis: `redis://127.0.0.1:${redis!.port}`, host, role, lock });
  const agent = { quick: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: '300', FAKE_AGENT_EDIT: '1', FAKE_AGENT_COMMIT: '1' } } };
  await door.writeConfig({ pool: { agent: 'quick' }, agents: agent, projects: [{ path: project }], tasks: { settle: '0ms', retryBackoff: '200ms' }, fleet: fleetOf('door', 'front-door') });
  const hostEnvs: PoolEnv[] = [];
  for (let i = 1; i <= hosts; i++) {
    const h = await createPoolEnv({ size: slots, resync: '1s' });
    envs.push(h);
    await h.writeConfig({
      pool: { agent: 'quick', cooldown: { afterTask: '0ms', afterFailure: '0ms' } }, agents: agent, projects: [],
      tasks: { settle: '0ms' }, fleet: fleetOf(`host-${i}`, 'host'),
    });
    hostEnvs.push(h);
  }
  return { door, hosts: hostEnvs, project, remote };
}

const queueFiles = async (project: string, dir: string) => (await readdir(join(project, '.agent-queue', dir)).catch(() => [] as string[])).filter((n) => n.endsWith('.md')).sort();
const record = async (project: string, dir: string, name: string) => JSON.parse(await readFile(join(project, '.agent-queue', dir, `${name}.result.json`), 'utf8'));
const lines = (c: RunningController, msg: string) => c.lines.filter((l) => l.msg === msg);

describe('fleet mode', () => {
  it('a front door and two hosts: every task done once on a host, its branch with its commit on the remote', async () => {
    const f = await fleet(2, 2);
    const names = Array.from({ length: 6 }, (_, i) => `task-${i + 1}.md`);
    for (const [i, name] of names.entries()) await dropTask(f.project, name, `---\npriority: ${i === 5 ? 'critical' : 'default'}\n---\nChange the app.\nfile: app.txt\n`);
    const door = f.door.startController();
    const hosts = f.hosts.map((h) => h.startController());
    await waitFor(async () => (await queueFiles(f.project, 'done')).length === names.length, {
      timeoutMs: 60_000, what: 'every task in done/',
    }).catch(async (err: Error) => {
      const tail = (c: RunningController) => c.lines.slice(-15).map((l) => JSON.stringify(l)).join('\n');
      throw new Error(`${err.message}\ndone: ${await queueFiles(f.project, 'done')} failed: ${await queueFiles(f.project, 'failed')} active: ${await queueFiles(f.project, 'active')}\ndoor:\n${tail(door)}\n${hosts.map(tail).join('\n---\n')}`);
    });
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
    // The front door's project is untouched: its main tree and its main branch.
    expect(await git(f.project, 'status', '--porcelain')).toBe('');
    expect(existsSync(join(f.project, 'app.txt'))).toBe(true);
  }, 120_000);
});
