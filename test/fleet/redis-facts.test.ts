import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { diagnose, type Facts } from '../../src/doctor/checks.js';
import { redisFacts } from '../../src/fleet/redis-facts.js';
import { startRedis } from '../helpers/redis.js';

const base: Facts = { config: { file: 'x.yaml' }, tmux: { version: 'tmux 3.3a' }, uid: 1000, agents: [], projects: [] };
const findings = (redis: Facts['redis']) => diagnose({ ...base, redis }).filter((f) => f.check === 'fleet redis');

describe('doctor on the fleet\'s Redis', () => {
  it('passes a Redis that keeps every key and writes an AOF, and names each setting that is wrong, and a Redis that is gone', async () => {
    const redis = await startRedis();
    try {
      const at = { host: redis.host, port: redis.port };
      const good = await redisFacts(at);
      expect(good).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+/), aof: true, policy: 'noeviction' });
      expect(findings(good)).toEqual([{ check: 'fleet redis', status: 'ok', message: `redis://127.0.0.1:${redis.port}: Redis ${good.version}, noeviction, AOF on` }]);
      const cli = (...args: string[]) => execa('redis-cli', ['-p', String(redis.port), ...args]);
      await cli('config', 'set', 'maxmemory-policy', 'allkeys-lru');
      await cli('config', 'set', 'appendonly', 'no');
      expect(findings(await redisFacts(at)).map((f) => [f.status, f.message.replace(/^.*?: /, '')])).toEqual([
        ['fail', 'Redis may evict a job or its lock'],
        ['warn', 'a Redis restart loses the queue since its last snapshot'],
      ].map(([s, m]) => [s, expect.stringContaining(m!)]));
      await redis.stop();
      const gone = findings(await redisFacts(at));
      expect(gone).toEqual([expect.objectContaining({ status: 'fail', message: expect.stringMatching(new RegExp(`^redis://127.0.0.1:${redis.port} does not answer: `)) })]);
    } finally {
      await redis.stop();
    }
  }, 20_000);
});
