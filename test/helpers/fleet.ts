/**
 * A fleet on loopback for the fleet's tests (issue 26): a private redis-server, a front door whose project's
 * remote is a bare git repository, and hosts, each a pool env of its own (tmux server, state folder) running
 * the fake agent, which edits and commits the files its task names.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import { createPoolEnv, ensureBuilt, type LogLine, type PoolEnv, type RunningController } from './pool-env.js';
import { startRedis, startSentinelSet, type TestRedis, type TestSentinelSet } from './redis.js';
import { waitFor } from './tmux-server.js';

export const git = async (cwd: string, ...args: string[]): Promise<string> => (await execa('git', args, { cwd })).stdout.trim();

export interface Fleet {
  /** The Redis the fleet uses (with `sentinel`: the primary when it started). */
  redis: TestRedis;
  sentinel?: TestSentinelSet;
  door: PoolEnv;
  hosts: PoolEnv[];
  project: string;
  remote: string;
}

let made: { redis: { stop(): Promise<void> }; envs: PoolEnv[] } | null = null;

/** Ends the last fleet made: its controllers, tmux servers, folders and Redis. */
export async function endFleet(): Promise<void> {
  if (!made) return;
  const { redis, envs } = made;
  made = null;
  await Promise.all(envs.map((e) => e.cleanup()));
  await redis.stop();
}

/**
 * A front door with one project and `hosts` hosts of `slots` fake agents each, the agents working `workMs`
 * per task; `lock` is the fleet's lock time. `agents`: agent kinds by name, each the fake agent with more
 * environment (default: one, `quick`); the pool's agent is the first, and the hosts take all of them.
 * Nothing is started.
 */
export async function fleet(o: { hosts: number; slots: number; workMs?: number; lock?: string; agents?: Record<string, Record<string, string>>; sentinel?: boolean }): Promise<Fleet> {
  await ensureBuilt();
  const sentinel = o.sentinel ? await startSentinelSet() : undefined;
  const redis = sentinel?.primary ?? (await startRedis());
  made = { redis: sentinel ?? redis, envs: [] };
  const door = await createPoolEnv({ size: 0, resync: '1s' });
  made.envs.push(door);
  const remote = join(door.dir, 'remote.git');
  await execa('git', ['init', '--quiet', '--bare', '--initial-branch=main', remote]);
  const project = join(door.dir, 'webapp');
  await execa('git', ['clone', '--quiet', remote, project]);
  await writeFile(join(project, '.gitignore'), '.agent-queue/\n');
  await writeFile(join(project, 'app.txt'), 'base\n');
  await git(project, 'add', '.');
  await git(project, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'base');
  await git(project, 'push', '--quiet', 'origin', 'main');
  // As a bare repository made without --initial-branch can have it: its HEAD names a branch nobody pushed.
  await git(remote, 'symbolic-ref', 'HEAD', 'refs/heads/trunk');
  const kinds = o.agents ?? { quick: {} };
  const at = sentinel ? { sentinels: sentinel.sentinels.map((s) => `${s.host}:${s.port}`), name: sentinel.name } : { redis: `redis://127.0.0.1:${redis.port}` };
  const fleetOf = (host: string, role: string) => ({ ...at, host, role, lock: o.lock ?? '3s', agents: Object.keys(kinds) });
  const agents = Object.fromEntries(Object.entries(kinds).map(([name, env]) => [name, {
    extends: 'fake', env: { FAKE_AGENT_WORK_MS: String(o.workMs ?? 300), FAKE_AGENT_EDIT: '1', FAKE_AGENT_COMMIT: '1', ...env },
  }]));
  const first = Object.keys(kinds)[0]!;
  await door.writeConfig({ pool: { agent: first }, agents, projects: [{ path: project }], tasks: { settle: '0ms', retryBackoff: '200ms' }, fleet: fleetOf('door', 'front-door') });
  const hosts: PoolEnv[] = [];
  for (let i = 1; i <= o.hosts; i++) {
    const h = await createPoolEnv({ size: o.slots, resync: '1s' });
    made.envs.push(h);
    // Its agents write Claude's transcript format with known usage (each turn $0.0225 on Sonnet 4.5).
    const transcripts = join(h.dir, 'transcripts');
    await mkdir(transcripts);
    const own = Object.fromEntries(Object.entries(agents).map(([name, a]) => [name, { ...a, env: { ...a.env, FAKE_AGENT_TRANSCRIPTS: transcripts } }]));
    await h.writeConfig({
      pool: { agent: first, cooldown: { afterTask: '0ms', afterFailure: '0ms' } }, agents: own, projects: [],
      tasks: { settle: '0ms' }, fleet: fleetOf(`host-${i}`, 'host'),
    });
    hosts.push(h);
  }
  return { redis, ...(sentinel ? { sentinel } : {}), door, hosts, project, remote };
}

/** The task files in one of the front door project's queue folders. */
export const queueFiles = async (project: string, dir: string): Promise<string[]> =>
  (await readdir(join(project, '.agent-queue', dir)).catch(() => [] as string[])).filter((n) => n.endsWith('.md')).sort();

/** A settled task's result record. */
export const record = async (project: string, dir: string, name: string): Promise<Record<string, any>> =>
  JSON.parse(await readFile(join(project, '.agent-queue', dir, `${name}.result.json`), 'utf8'));

/** Waits until `count` tasks are settled (done/ and failed/), with the controllers' last lines if they are not. */
export async function waitAllSettled(f: Fleet, count: number, controllers: RunningController[], timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await queueFiles(f.project, 'done')).length + (await queueFiles(f.project, 'failed')).length >= count, {
    timeoutMs, what: `${count} tasks settled`,
  }).catch(async (err: Error) => {
    const tail = (c: RunningController) => c.lines.slice(-15).map((l) => JSON.stringify(l)).join('\n');
    throw new Error(`${err.message}\ndone: ${await queueFiles(f.project, 'done')} failed: ${await queueFiles(f.project, 'failed')} active: ${await queueFiles(f.project, 'active')}\n${controllers.map(tail).join('\n---\n')}`);
  });
}

/** The log lines of a controller with this message. */
export const lines = (c: RunningController, msg: string): LogLine[] => c.lines.filter((l) => l.msg === msg);
const leaf = (name: string) => name.replace(/\.md$/, '');

/** Every task settled once, done, its branch on the remote at the head its record names; the records. */
export async function expectAllDoneOnce(f: Fleet, names: string[], door: RunningController[], hosts: RunningController[] = []): Promise<Record<string, any>[]> {
  expect(await queueFiles(f.project, 'done')).toEqual([...names].sort());
  for (const dir of ['failed', 'active', 'inbox']) expect(await queueFiles(f.project, dir), dir).toEqual([]);
  const records = [];
  for (const name of names) {
    const r = await record(f.project, 'done', name);
    expect(r.git, `${JSON.stringify(r)}\n${hosts.flatMap((c) => c.lines.filter((l) => (l.level as number) >= 40)).map((l) => JSON.stringify(l)).join('\n')}`).toBeDefined();
    expect(await git(f.remote, 'rev-parse', `agentpool/${leaf(name)}`)).toBe(r.git.head);
    records.push(r);
  }
  // The front door wrote each result once, however many times it was started. (Its line follows the
  // file's move by a moment: the sidecar is removed in between, and a loaded machine can stretch that.)
  const done = () => door.flatMap((c) => lines(c, 'task done in the fleet')).length;
  await waitFor(() => done() >= names.length, { timeoutMs: 10_000, what: 'the front door\'s line for each result' }).catch(() => {});
  expect(done()).toBe(names.length);
  return records;
}

/** The local tasks a host's clone of the project settled, by folder. */
export async function hostTasks(f: Fleet, host: number, dir: string): Promise<string[]> {
  const names = await readdir(join(f.hosts[host]!.dir, 'state', 'fleet', 'checkouts', 'webapp', '.agent-queue', dir)).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.md')).sort();
}
