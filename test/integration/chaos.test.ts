/**
 * The chaos test: 100 tasks, a pool of 4 fake agents, the controller killed with SIGKILL at random moments
 * and restarted, 10 times. At the end every task is in done/ exactly once and the fake agents received each
 * prompt exactly once — unless the task's own record says why not. (bench/chaos.ts runs the long version.)
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, REPO_ROOT, type PoolEnv } from '../helpers/pool-env.js';
import { waitFor } from '../helpers/tmux-server.js';
import { dropTask } from '../helpers/tasks.js';

let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

/** A small seeded PRNG, so a failing run can be repeated with the same kill times. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

describe('chaos', () => {
  it('loses no task and runs none twice through 10 SIGKILLs of the controller', async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    env = await createPoolEnv({ size: 4, resync: '1s' });
    const fakeLog = join(env.dir, 'fake-agent.log');
    await env.writeConfig({
      pool: { agent: 'quick', cooldown: { afterTask: '0ms', afterFailure: '100ms' } },
      agents: { quick: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: '120', FAKE_AGENT_LOG: fakeLog }, submitVerify: '2s' } },
      tasks: { settle: '0ms', retryBackoff: '50ms', maxAttempts: 5 },
    });
    const names = Array.from({ length: 100 }, (_, i) => `chaos-${String(i).padStart(3, '0')}.md`);
    for (const [i, name] of names.entries()) await dropTask(env.project, name, `---\npriority: ${['critical', 'high', 'default', 'low'][i % 4]}\n---\nChaos task ${i}\n`);

    const done = async () => (await readdir(join(env!.project, '.agent-queue', 'done'))).filter((n) => n.endsWith('.md'));
    for (let kill = 0; kill < 10; kill++) {
      const child = execa('node', [join(REPO_ROOT, 'bin/reconcile.js'), '--config', env.configFile, '--log-format', 'json'], { reject: false, cwd: REPO_ROOT });
      await new Promise((r) => setTimeout(r, 300 + random() * 1500)); // the random moment of the kill, not a wait for a condition
      child.kill('SIGKILL');
      await child;
    }
    const last = env.startController();
    // A bound for a stuck pool, not a speed target: alone on 2 cores this takes ~80 s, and twice that beside the suite.
    await waitFor(async () => (await done()).length >= 100, { timeoutMs: 240_000, intervalMs: 250, what: `all 100 tasks in done/ (seed ${seed})` });
    await last.stop();

    const finished = await done();
    expect(finished.sort(), `seed ${seed}`).toEqual(names);
    expect(await readdir(join(env.project, '.agent-queue', 'failed')).catch(() => [])).toEqual([]);
    const prompts = (await readFile(fakeLog, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l).prompt as string);
    for (const name of names) {
      const got = prompts.filter((p) => p.startsWith(`[${name}]`));
      expect(got.every((p) => p === `[${name}] Chaos task ${Number(name.slice(6, 9))} When you are done, summarize what you changed.`), name).toBe(true);
      if (got.length !== 1) {
        const record = JSON.parse(await readFile(join(env.project, '.agent-queue', 'done', `${name}.result.json`), 'utf8'));
        expect(got.length, `${name} ran ${got.length} times (seed ${seed})`).toBeGreaterThan(1);
        expect(JSON.stringify(record.history), `${name} ran twice without saying so (seed ${seed})`).toMatch(/may have run twice/);
      }
    }
  }, 300_000);
});
