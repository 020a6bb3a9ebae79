/**
 * The largest task agentpool takes (tasks.maxBytes, 1 MiB by default), as one line and as many lines, reaches
 * done/ with the agent receiving it exactly once, over each tmux transport; the first byte over the limit is
 * refused at once with its reason. A long paste takes time in proportion to its size (bench/paste.mjs): the
 * multi-line MiB is ~7,000 pieces, which the exec transport packs into a few hundred tmux processes.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildMessage } from '../../src/agents/launch.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import { createPoolEnv, ensureBuilt, type PoolEnv } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

const LIMIT = DEFAULTS.tasks.maxBytes;

let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

/**
 * Exactly `bytes` bytes of ASCII that never repeats (numbered words, so no two screens of it look alike):
 * one line, or lines of about 100 characters as Markdown paragraphs are written.
 */
function body(bytes: number, shape: 'single' | 'multi'): string {
  let out = '';
  for (let n = 0; out.length < bytes; n++) out += shape === 'multi' && n % 16 === 15 ? `w${n.toString(36)}\n` : `w${n.toString(36)} `;
  return out.slice(0, bytes);
}

async function names(project: string, dir: string): Promise<string[]> {
  return (await readdir(join(project, '.agent-queue', dir)).catch(() => [] as string[])).filter((n) => n.endsWith('.md')).sort();
}

describe.each(['control', 'exec'] as const)('the largest task over the %s transport', (transport) => {
  it('a 1 MiB single-line and a 1 MiB multi-line task reach done/, each received once; a byte more is refused with the reason', async () => {
    env = await createPoolEnv({ size: 2, resync: '1s' });
    const fakeLog = join(env.dir, 'fake-agent.log');
    await env.writeConfig({
      pool: { agent: 'quick', cooldown: { afterTask: '0ms', afterFailure: '100ms' } },
      agents: { quick: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: '100', FAKE_AGENT_LOG: fakeLog } } },
      tasks: { settle: '0ms', retryBackoff: '100ms' },
    });
    const tasks = { 'one-line.md': body(LIMIT, 'single'), 'many-lines.md': body(LIMIT, 'multi') };
    for (const [name, text] of Object.entries(tasks)) await dropTask(env.project, name, text);
    await dropTask(env.project, 'too-big.md', body(LIMIT + 1, 'single'));

    const controller = env.startController([], { env: { AGENTPOOL_TMUX_TRANSPORT: transport } });
    await waitFor(async () => (await names(env!.project, 'done')).length === 2, { timeoutMs: 120_000, intervalMs: 250, what: 'both large tasks in done/' });

    expect(await names(env.project, 'done')).toEqual(['many-lines.md', 'one-line.md']);
    expect(await names(env.project, 'failed')).toEqual(['too-big.md']);
    const refused = JSON.parse(await readFile(join(env.project, '.agent-queue', 'failed', 'too-big.md.result.json'), 'utf8'));
    expect(refused.reason).toBe(`the file is ${LIMIT + 1} bytes, over the limit of ${LIMIT} (tasks.maxBytes): split it or raise the limit`);

    const received = (await readFile(fakeLog, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { prompt: string });
    expect(received).toHaveLength(2);
    for (const [name, text] of Object.entries(tasks)) {
      const expected = buildMessage(name, text, DEFAULTS.tasks.instructionSuffix, DEFAULTS.tasks.emptyBodyText);
      const got = received.filter((r) => r.prompt.startsWith(`[${name}]`));
      expect(got, `${name} received once`).toHaveLength(1);
      expect(got[0]!.prompt === expected, `${name} received whole`).toBe(true);
      const result = JSON.parse(await readFile(join(env.project, '.agent-queue', 'done', `${name}.result.json`), 'utf8'));
      expect(result.attempts).toBe(1);
    }
    expect(controller.lines.filter((l) => /did not take the prompt/.test(JSON.stringify(l)))).toEqual([]);
  }, 150_000);
});
