/**
 * A pool of two profiles on a real tmux server: each task runs on the agent it asks for (agent: in its
 * front matter), the rest on the pool's, and the launch line and the prompt show which.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, type PoolEnv } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const prompts = async (log: string) =>
  (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l).prompt as string);

describe('a pool that mixes agents', () => {
  it('runs each task on the agent it names and the others on the pool\'s, each prompt once', async () => {
    env = await createPoolEnv({ size: 2, resync: '1s' });
    const logs = { first: join(env.dir, 'first.log'), second: join(env.dir, 'second.log') };
    await env.writeConfig({
      pool: { agent: 'first', cooldown: { afterTask: '0ms', afterFailure: '100ms' } },
      agents: {
        first: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: '100', FAKE_AGENT_LOG: logs.first } },
        second: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: '100', FAKE_AGENT_LOG: logs.second }, models: { default: 'haiku' } },
      },
      tasks: { settle: '0ms' },
    });
    await dropTask(env.project, 'plain.md', 'On the pool agent.\n');
    await dropTask(env.project, 'named.md', '---\nagent: second\n---\nOn the second agent.\n');
    await dropTask(env.project, 'typo.md', '---\nagent: secnd\n---\nNowhere.\n');
    const c = env.startController();
    const done = (n: string) => join(env!.project, '.agent-queue', 'done', `${n}.result.json`);
    await waitFor(async () => (await readFile(done('plain.md')).catch(() => null)) && (await readFile(done('named.md')).catch(() => null)), { timeoutMs: 30_000, what: 'both tasks done' });

    expect((await prompts(logs.first)).map((p) => p.split(' ')[0])).toEqual(['[plain.md]']);
    expect((await prompts(logs.second)).map((p) => p.split(' ')[0])).toEqual(['[named.md]']);
    const launched = c.lines.filter((l) => l.msg === 'launched agent').map((l) => [String(l.task).split('/').pop(), l.agent, (l.argv as string[]).includes('haiku')]);
    expect(launched.sort()).toEqual([['named.md', 'second', true], ['plain.md', 'first', false]]);
    const failed = JSON.parse(await readFile(join(env.project, '.agent-queue', 'failed', 'typo.md.result.json'), 'utf8'));
    expect(failed.reason).toBe('the task asks for agent "secnd", which the config does not define; use one of claude, codex, fake, first, gemini, generic, second');
    expect(c.lines.filter((l) => (l.level ?? 0) >= 40).map((l) => `${l.msg}: ${String(l.task ?? l.path ?? '').split('/').pop()}`)).toEqual(['rejected a task that cannot run: typo.md']);
  }, 60_000);
});
