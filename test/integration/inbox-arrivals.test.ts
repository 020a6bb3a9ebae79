/**
 * The running controller takes a file renamed into the inbox at once, whatever its timestamps say, and
 * leaves a file written in place to settle: its inbox watchers tell which is which.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
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

describe('inbox arrivals', () => {
  it('dispatches 20 write-then-rename files without waiting a 10-minute settle, and holds one written in place', async () => {
    env = await createPoolEnv({ size: 4, resync: '30s' });
    await env.writeConfig({
      pool: { agent: 'quick', cooldown: { afterTask: '0ms' } },
      agents: { quick: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: '50' } } },
      tasks: { settle: '10m' },
    });
    const c = env.startController();
    await c.waitForLine((l) => l.msg === 'controller started', 'start');
    await waitFor(() => existsSync(join(env!.project, '.agent-queue', 'inbox')), { what: 'the inbox' });
    await waitFor(async () => (await env!.sessions()).length === 4, { what: 'the pool' });
    for (let i = 0; i < 20; i++) await dropTask(env.project, `r${i}.md`, `Renamed in ${i}\n`);
    await writeFile(join(env.project, '.agent-queue', 'inbox', 'inplace.md'), 'Written in place\n');
    // Claimed = gone from the inbox (to active/, then done/ or failed/: how the agents fare under load is
    // not this test's business). A file that waited for the settle would still be there.
    const inbox = async () => (await readdir(join(env!.project, '.agent-queue', 'inbox'))).filter((n) => n.endsWith('.md')).sort();
    await waitFor(async () => (await inbox()).join() === 'inplace.md', { timeoutMs: 150_000, intervalMs: 200, what: 'all 20 claimed (none may wait for the settle)' }).catch(async (err: Error) => {
      throw new Error(`${err.message}; the inbox holds ${(await inbox()).join(', ')}\n${c.lines.filter((l) => (l.level ?? 0) >= 40).map((l) => JSON.stringify(l)).join('\n')}`);
    });
    // A file leaves the inbox a moment before its claim is logged (and read from the controller's output).
    await waitFor(() => c.lines.filter((l) => l.msg === 'claimed task').length >= 20, { what: 'the 20 claims logged' });
    expect(c.lines.filter((l) => l.msg === 'claimed task')).toHaveLength(20);
  }, 180_000);

  it('leaves a file created empty waiting past the settle, and runs it once when an editor writes it later', async () => {
    env = await createPoolEnv({ size: 1 });
    const log = join(env.dir, 'fake-agent.log');
    await env.writeConfig({
      pool: { agent: 'quick', cooldown: { afterTask: '0ms' } },
      agents: { quick: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: '50', FAKE_AGENT_LOG: log } } },
      tasks: { settle: '300ms' },
    });
    const queue = (dir: string) => join(env!.project, '.agent-queue', dir);
    const c = env.startController();
    await waitFor(() => existsSync(queue('inbox')), { what: 'the inbox' });
    // `touch inbox/later.md`: the person will write it in an editor in a moment.
    const file = join(queue('inbox'), 'later.md');
    await writeFile(file, '');
    const settled = (await stat(file)).mtimeMs + 300;
    const status = async () => JSON.parse(await readFile(join(env!.dir, 'state', 'status.json'), 'utf8').catch(() => '{}')) as { writtenAt?: number; problems?: string[] };
    const waiting = `${file} is empty: it waits until a task is written in it`;
    // A pass well after the settle still has it waiting, and says so.
    await waitFor(async () => {
      const s = await status();
      return (s.writtenAt ?? 0) > settled + 1_000 && s.problems?.includes(waiting);
    }, { what: 'a pass after the settle naming the empty file' });
    expect(await readdir(queue('failed'))).toEqual([]);
    expect(existsSync(file)).toBe(true);
    // The editor's save, in place.
    await writeFile(file, 'Written three seconds later.\n');
    await waitFor(() => existsSync(join(queue('done'), 'later.md')), { what: 'later.md done' });
    expect((await readdir(queue('done'))).sort()).toEqual(['later.md', 'later.md.result.json']);
    expect(await readdir(queue('failed'))).toEqual([]);
    expect(c.lines.filter((l) => l.msg === 'claimed task')).toHaveLength(1);
    const prompts = (await readFile(log, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l).prompt as string);
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toMatch(/^\[later\.md\] Written three seconds later\./);
    await waitFor(async () => !(await status()).problems?.includes(waiting), { what: 'the warning gone' });
  }, 60_000);
});
