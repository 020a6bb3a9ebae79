import type { FleetSpec } from '../config/types.js';

/** What `agentpool doctor` learns of the fleet's Redis: whether it answers, its version, and the two settings the queue needs. */
export interface RedisFacts {
  label: string;
  error?: string;
  version?: string;
  /** AOF on (appendonly yes): the queue survives a restart with at most a second lost. */
  aof?: boolean;
  /** maxmemory-policy; the queue needs noeviction (an evicted key is a lost job or lock). */
  policy?: string | null;
}

export const redisLabel = (r: FleetSpec['redis']): string =>
  'sentinels' in r ? `the primary "${r.name}" of Sentinels ${r.sentinels.map((s) => `${s.host}:${s.port}`).join(', ')}` : `redis://${r.host}:${r.port}`;

/** Asks the fleet's Redis (or its Sentinels' primary) for its version and settings, within 3 s. */
export async function redisFacts(r: FleetSpec['redis']): Promise<RedisFacts> {
  const label = redisLabel(r);
  const { Redis } = await import('ioredis');
  const client = new Redis({ ...r, lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  // The connection's own error (ECONNREFUSED ...) says more than the command's "Connection is closed".
  let first: Error | null = null;
  client.on('error', (err: Error) => void (first ??= err));
  try {
    await client.connect();
    const server = await client.info('server');
    const persistence = await client.info('persistence');
    const policy = await client.config('GET', 'maxmemory-policy').then((kv) => (kv as string[])[1] ?? null, () => null);
    return { label, version: /redis_version:(\S+)/.exec(server)?.[1] ?? 'unknown', aof: /aof_enabled:1/.test(persistence), policy };
  } catch (err) {
    return { label, error: (first as Error | null)?.message ?? (err as Error).message };
  } finally {
    client.disconnect();
  }
}
