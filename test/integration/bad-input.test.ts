/**
 * Bad input and hostile names against a running controller: each gets a clear message, the controller keeps
 * running, nothing else is disturbed, and no shell ever sees a task's name or text.
 */
import { chmod, lstat, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
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

async function quickEnv(size: number, tasks: Record<string, unknown> = {}) {
  const e = await createPoolEnv({ size, resync: '1s' });
  const fakeLog = join(e.dir, 'fake-agent.log');
  await e.writeConfig({
    pool: { agent: 'quick', cooldown: { afterTask: '0ms', afterFailure: '100ms' } },
    agents: { quick: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: '50', FAKE_AGENT_LOG: fakeLog } } },
    tasks: { settle: '0ms', retryBackoff: '50ms', ...tasks },
  });
  return { e, fakeLog };
}

const q = (project: string, dir: string) => join(project, '.agent-queue', dir);
const listing = async (project: string, dir: string) => (await readdir(q(project, dir)).catch(() => [] as string[])).filter((n) => n.endsWith('.md'));
const reason = async (project: string, name: string) => JSON.parse(await readFile(join(q(project, 'failed'), `${name}.result.json`), 'utf8')).reason as string;
const prompts = async (file: string) => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l).prompt as string);

describe('bad input', () => {
  it('delivers tasks with shell metacharacters and tmux key names in their names and bodies byte for byte', async () => {
    const { e, fakeLog } = await quickEnv(2);
    env = e;
    const names = ['with space.md', `quote'n"dq.md`, '$(touch PWNED).md', 'semi;.md', 'Enter', 'C-c;', '-leading dash.md', 'ünïcødé ✓.md', 'new\nline.md', '`tick`.md']
      .map((n) => (n.endsWith('.md') ? n : `${n}.md`));
    const body = 'Enter\nC-c\nsend-keys -t x ;\n$(touch PWNED) `touch PWNED` ; rm -rf / ; "q" \'s\' \\ #{pane_id} ~ $HOME\nend;';
    for (const n of names) await dropTask(env.project, n, `${body}\n`);
    env.startController();
    await waitFor(async () => (await listing(env!.project, 'done')).length === names.length, { timeoutMs: 40_000, what: 'all hostile names done' });
    const got = await prompts(fakeLog);
    for (const n of names) {
      expect(got.filter((p) => p === `[${n}] ${body} When you are done, summarize what you changed.`), JSON.stringify(n)).toHaveLength(1);
    }
    for (const dir of [env.project, env.dir, process.cwd()]) await expect(stat(join(dir, 'PWNED'))).rejects.toThrow();
  }, 60_000);

  it('rejects symlinks, oversized, binary and non-UTF-8 files with reasons; leaves a directory named *.md alone', async () => {
    const { e } = await quickEnv(1, { maxBytes: 1000 });
    env = e;
    const inbox = q(env.project, 'inbox');
    await mkdir(inbox, { recursive: true });
    await writeFile(join(env.dir, 'outside.md'), 'outside the project\n');
    await writeFile(join(env.project, 'inside.md'), 'inside the project\n');
    await symlink(join(env.dir, 'outside.md'), join(inbox, 'link-out.md'));
    await symlink(join(env.project, 'inside.md'), join(inbox, 'link-in.md'));
    await writeFile(join(inbox, 'big.md'), 'x'.repeat(1001));
    await writeFile(join(inbox, 'nul.md'), Buffer.from('abc\0def'));
    await writeFile(join(inbox, 'latin1.md'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    await mkdir(join(inbox, 'folder.md'));
    const c = env.startController();
    await waitFor(async () => (await listing(env!.project, 'failed')).length === 5, { timeoutMs: 20_000, what: '5 rejected' });
    expect(await reason(env.project, 'link-out.md')).toMatch(/symbolic link/);
    expect(await reason(env.project, 'link-in.md')).toMatch(/symbolic link/);
    expect(await reason(env.project, 'big.md')).toMatch(/1001 bytes, over the limit of 1000/);
    expect(await reason(env.project, 'nul.md')).toMatch(/NUL/);
    expect(await reason(env.project, 'latin1.md')).toMatch(/UTF-8/);
    expect((await lstat(join(q(env.project, 'failed'), 'link-out.md'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(env.dir, 'outside.md'), 'utf8')).toBe('outside the project\n');
    expect((await stat(join(inbox, 'folder.md'))).isDirectory()).toBe(true);
    await c.waitForLine((l) => typeof l.msg === 'string' && l.msg.includes('folder.md is a directory'), 'directory warning');
  });

  it('keeps running when the inbox or the project folder disappears, and picks up again when it is back', async () => {
    const { e } = await quickEnv(1);
    env = e;
    const c = env.startController();
    await waitFor(async () => (await env!.sessions()).length === 1, { what: 'pool up' });
    await rm(join(env.project, '.agent-queue', 'inbox'), { recursive: true });
    await c.waitForLine((l) => typeof l.msg === 'string' && /inbox .* does not exist/.test(l.msg), 'missing inbox warning');
    await rm(env.project, { recursive: true });
    await dropTask(env.project, 'back.md', 'After the folder came back\n');
    await waitFor(async () => (await listing(env!.project, 'done')).includes('back.md'), { timeoutMs: 20_000, what: 'back.md done' });
    expect(c.exited()).toBeNull();
  });

  it('refuses an events file that is a symlink, and keeps state private', async () => {
    const { e } = await quickEnv(1);
    env = e;
    const c = env.startController();
    await dropTask(env.project, 'one.md', 'first\n');
    await waitFor(async () => (await listing(env!.project, 'done')).includes('one.md'), { what: 'one.md done' });
    const state = join(env.dir, 'state');
    expect((await stat(state)).mode & 0o777).toBe(0o700);
    expect((await stat(join(state, 'sessions', 'ccl-auto-1'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(state, 'sessions', 'ccl-auto-1', 'events.jsonl'))).mode & 0o777).toBe(0o600);
    // A planted symlink in place of the events file is moved aside at the next launch, never followed.
    const target = join(env.dir, 'not-yours.txt');
    await writeFile(target, 'precious\n');
    await chmod(join(state, 'sessions', 'ccl-auto-1'), 0o755); // loosened; agentpool tightens it again
    await rm(join(state, 'sessions', 'ccl-auto-1', 'events.jsonl'));
    await symlink(target, join(state, 'sessions', 'ccl-auto-1', 'events.jsonl'));
    await dropTask(env.project, 'two.md', 'second\n');
    await waitFor(async () => (await listing(env!.project, 'done')).includes('two.md'), { what: 'two.md done' });
    expect(await readFile(target, 'utf8')).toBe('precious\n');
    expect((await stat(join(state, 'sessions', 'ccl-auto-1'))).mode & 0o777).toBe(0o700);
    expect(c.exited()).toBeNull();
  });

  it('takes 10,000 files dropped at once without losing one', async () => {
    const { e } = await quickEnv(2);
    env = e;
    const inbox = q(env.project, 'inbox');
    await mkdir(inbox, { recursive: true });
    for (let i = 0; i < 10_000; i += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => writeFile(join(inbox, `bulk-${String(i + j).padStart(5, '0')}.md`), `Bulk ${i + j}\n`)));
    }
    const c = env.startController();
    await waitFor(async () => (await listing(env!.project, 'done')).length >= 4, { timeoutMs: 75_000, what: '4 of 10,000 done' });
    await c.stop();
    const total = (await listing(env.project, 'inbox')).length + (await listing(env.project, 'active')).length + (await listing(env.project, 'done')).length;
    expect(total).toBe(10_000);
    expect(await listing(env.project, 'failed')).toEqual([]);
  }, 120_000);
});
