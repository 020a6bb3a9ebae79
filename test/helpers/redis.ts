/**
 * A private redis-server per test, on a free loopback port, with its own folder (AOF on, as the fleet needs
 * it), never the machine's own (6379). Ended by the pid it was started with, and only that one.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { freePort } from './ports.js';
import { waitFor } from './tmux-server.js';

export interface TestRedis {
  host: '127.0.0.1';
  port: number;
  /** Sends the server a signal (SIGSTOP and SIGCONT: Redis stops answering, then answers again). */
  signal(sig: NodeJS.Signals): void;
  /** Ends this server (SIGKILL) and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** `replicaOf`: the port of a primary on loopback this server replicates. */
export async function startRedis(o: { replicaOf?: number } = {}): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'agentpool-redis-'));
  const port = await freePort();
  if (port === 6379) throw new Error('refusing the machine redis port 6379');
  const child: ResultPromise = execa('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction',
    ...(o.replicaOf ? ['--replicaof', '127.0.0.1', String(o.replicaOf)] : []),
  ], { reject: false, stdio: 'ignore' });
  const ping = async () => (await execa('redis-cli', ['-p', String(port), 'ping'], { reject: false })).stdout.trim() === 'PONG';
  await waitFor(ping, { timeoutMs: 10_000, what: `redis-server on port ${port}` });
  let stopped = false;
  return {
    host: '127.0.0.1', port,
    signal(sig) {
      if (!stopped) child.kill(sig);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await child;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface TestSentinelSet {
  /** The name the Sentinels know the primary by. */
  name: string;
  primary: TestRedis;
  replica: TestRedis;
  sentinels: Array<{ host: '127.0.0.1'; port: number }>;
  /** The port of the primary the Sentinels name now. */
  primaryPort(): Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * A primary, a replica and three Sentinels (quorum 2) on loopback ports: the primary is taken for down
 * after 1 s without an answer, and the replica promoted in its place.
 */
export async function startSentinelSet(): Promise<TestSentinelSet> {
  const name = 'agentpool';
  const primary = await startRedis();
  const replica = await startRedis({ replicaOf: primary.port });
  const dir = await mkdtemp(join(tmpdir(), 'agentpool-sentinel-'));
  const children: ResultPromise[] = [];
  const sentinels: TestSentinelSet['sentinels'] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const conf = join(dir, `sentinel-${port}.conf`);
    await writeFile(conf, [
      `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'));
    children.push(execa('redis-server', [conf, '--sentinel'], { reject: false, stdio: 'ignore' }));
    sentinels.push({ host: '127.0.0.1', port });
  }
  const primaryPort = async () => {
    const r = await execa('redis-cli', ['-p', String(sentinels[0]!.port), 'sentinel', 'get-master-addr-by-name', name], { reject: false });
    const port = Number(r.stdout.trim().split('\n')[1]);
    return Number.isInteger(port) && port > 0 ? port : null;
  };
  // Each Sentinel knows the primary and its replica, and the replica is in sync.
  const knows = async (port: number) => (await execa('redis-cli', ['-p', String(port), 'sentinel', 'replicas', name], { reject: false })).stdout.includes(String(replica.port));
  await waitFor(async () => (await Promise.all(sentinels.map((s) => knows(s.port)))).every(Boolean), { timeoutMs: 20_000, what: 'the Sentinels knowing the replica' });
  await waitFor(async () => (await execa('redis-cli', ['-p', String(replica.port), 'info', 'replication'], { reject: false })).stdout.includes('master_link_status:up'), { timeoutMs: 10_000, what: 'the replica in sync' });
  return {
    name, primary, replica, sentinels, primaryPort,
    async stop() {
      for (const c of children) c.kill('SIGKILL');
      await Promise.all(children);
      await Promise.all([primary.stop(), replica.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
