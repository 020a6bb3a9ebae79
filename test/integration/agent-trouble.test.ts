/**
 * The generic profile (any command; done = the process exits) and agents in trouble: crash at start, a
 * non-zero exit, endless output that never ends. Each ends in a retry or in failed/ with a reason, and the
 * session takes work again.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, REPO_ROOT, type ConfigObject, type PoolEnv } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const ECHO = join(REPO_ROOT, 'test/fixtures/agents/echo-agent.mjs');

async function genericEnv(agent: ConfigObject, tasks: ConfigObject = {}) {
  const e = await createPoolEnv({ size: 1, resync: '1s' });
  await e.writeConfig({
    pool: { agent: 'tool', cooldown: { afterTask: '0ms', afterFailure: '100ms' } },
    agents: { tool: { extends: 'generic', ...agent } },
    tasks: { settle: '0ms', retryBackoff: '50ms', maxAttempts: 2, ...tasks },
  });
  return e;
}

const listing = async (project: string, dir: string) => (await readdir(join(project, '.agent-queue', dir)).catch(() => [] as string[])).filter((n) => n.endsWith('.md'));
const record = async (project: string, dir: string, name: string) => JSON.parse(await readFile(join(project, '.agent-queue', dir, `${name}.result.json`), 'utf8'));

describe('generic agents and agent trouble', () => {
  it('runs a generic command that takes the task in a file: done when it exits 0', async () => {
    env = await genericEnv({ command: [process.execPath, ECHO, '{promptFile}'], env: { ECHO_AGENT_LOG: '' } });
    const log = join(env.dir, 'echo.log');
    await env.writeConfig({ agents: { tool: { env: { ECHO_AGENT_LOG: log } } } });
    await dropTask(env.project, 'gen.md', 'Generic work; with $(no shell) and "quotes"\n');
    env.startController();
    await waitFor(async () => (await listing(env!.project, 'done')).includes('gen.md'), { what: 'gen.md done' });
    const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines).toEqual([{ prompt: '[gen.md] Generic work; with $(no shell) and "quotes" When you are done, summarize what you changed.', cwd: env.project }]);
    expect((await record(env.project, 'done', 'gen.md')).reason).toMatch(/exited with status 0/);
  });

  it('fails a task whose agent exits non-zero, after maxAttempts, with the status in the reason', async () => {
    env = await genericEnv({ command: [process.execPath, ECHO, '{promptFile}'], env: { ECHO_AGENT_EXIT: '4' } });
    await dropTask(env.project, 'bad-exit.md', 'Fails\n');
    env.startController();
    await waitFor(async () => (await listing(env!.project, 'failed')).includes('bad-exit.md'), { what: 'bad-exit.md failed' });
    const r = await record(env.project, 'failed', 'bad-exit.md');
    expect(r.attempts).toBe(2);
    expect(r.reason).toMatch(/status 4/);
  });

  it('fails an agent that crashes at start, before any prompt, and the session heals', async () => {
    env = await genericEnv({ command: ['sh', '-c', 'exit 7'], screen: { ready: ['^> $'], busy: ['working'] }, promptTimeout: '10s' });
    await dropTask(env.project, 'no-start.md', 'Never starts\n');
    const c = env.startController();
    await waitFor(async () => (await listing(env!.project, 'failed')).includes('no-start.md'), { what: 'no-start.md failed' });
    expect((await record(env.project, 'failed', 'no-start.md')).reason).toMatch(/exited with status 7 before it showed a ready prompt/);
    await c.waitForLine((l) => l.msg === 'transition' && l.from === 'cooldown' && l.to === 'idle', 'the session back to idle');
    expect((await env.sessions()).map((s) => s.name)).toEqual(['ccl-auto-1']);
  });

  it('ends an agent with endless output at the task timeout', async () => {
    env = await genericEnv({ command: ['yes', '{promptFile}'], taskTimeout: '1s' }, { maxAttempts: 1 });
    await dropTask(env.project, 'spam.md', 'Never stops talking\n');
    env.startController();
    await waitFor(async () => (await listing(env!.project, 'failed')).includes('spam.md'), { what: 'spam.md failed' });
    expect((await record(env.project, 'failed', 'spam.md')).reason).toMatch(/task timeout/);
    // The spamming process is gone: the pane runs the idle command again.
    await waitFor(async () => /tail|sh/.test(await env!.tmux.run('display', '-p', '-t', 'ccl-auto-1', '#{pane_current_command}')), { what: 'idle command back' });
  });

  it('ends a hung agent (busy forever) at the task timeout and heals the session', async () => {
    env = await createPoolEnv({ size: 1, resync: '1s' });
    await env.writeConfig({
      pool: { agent: 'stuck', cooldown: { afterTask: '0ms', afterFailure: '100ms' } },
      agents: { stuck: { extends: 'fake', env: { FAKE_AGENT_HANG: '1' }, taskTimeout: '1s', exit: { timeout: '300ms' } } },
      tasks: { settle: '0ms', maxAttempts: 1 },
    });
    await dropTask(env.project, 'hang.md', 'Never finishes\n');
    const c = env.startController();
    await waitFor(async () => (await listing(env!.project, 'failed')).includes('hang.md'), { what: 'hang.md failed' });
    expect((await record(env.project, 'failed', 'hang.md')).reason).toMatch(/task timeout/);
    await c.waitForLine((l) => l.msg === 'transition' && l.from === 'cooldown' && l.to === 'idle', 'the session back to idle');
  });
});
