/**
 * A private redis-server per test, on a free loopback port, with its own folder (AOF on, as the fleet needs
 * it), never the machine's own (6379). Ended by the pid it was started with, and only that one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { freePort } from './ports.js';
import { waitFor } from './tmux-server.js';

export interface TestRedis {
  host: '127.0.0.1';
  port: number;
  /** Ends this server (SIGKILL) and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'agentpool-redis-'));
  const port = await freePort();
  if (port === 6379) throw new Error('refusing the machine redis port 6379');
  const child: ResultPromise = execa('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction',
  ], { reject: false, stdio: 'ignore' });
  const ping = async () => (await execa('redis-cli', ['-p', String(port), 'ping'], { reject: false })).stdout.trim() === 'PONG';
  await waitFor(ping, { timeoutMs: 10_000, what: `redis-server on port ${port}` });
  let stopped = false;
  return {
    host: '127.0.0.1', port,
    async stop() {
      if (stopped) return;
      stopped = true;
      child.kill('SIGKILL');
      await child;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
