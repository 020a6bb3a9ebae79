/** Whether a task file can run at all: the rules the scan, a retry and a launch share. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTask } from '../../src/tasks/check.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentpool-check-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const rules = { maxBytes: 100, agents: new Set(['claude', 'codex']) };
async function file(name: string, text: string | Buffer): Promise<string> {
  await writeFile(join(dir, name), text);
  return join(dir, name);
}

describe('checkTask', () => {
  it('passes a sound task, with its text and front matter', async () => {
    const r = await checkTask(await file('ok.md', '---\nagent: codex\npriority: high\n---\nFix it.\n'), rules);
    expect(r).toMatchObject({ ok: true, task: { body: 'Fix it.', meta: { agent: 'codex', priority: 'high' } } });
  });

  it('says why one can never run: too big, broken front matter, binary, an unknown agent, gone', async () => {
    const reasons = await Promise.all([
      checkTask(await file('big.md', 'x'.repeat(101)), rules),
      checkTask(await file('front.md', '---\npriority: [\n---\nbody\n'), rules),
      checkTask(await file('nul.md', Buffer.from([0x61, 0, 0x62])), rules),
      checkTask(await file('agent.md', '---\nagent: gemini\n---\nbody\n'), rules),
      checkTask(join(dir, 'gone.md'), rules),
    ]);
    expect(reasons.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'the file is 101 bytes, over the limit of 100 (tasks.maxBytes): split it or raise the limit',
      expect.stringMatching(/front matter/),
      'the file contains NUL bytes (binary?): a task must be UTF-8 text',
      'the task asks for agent "gemini", which the config does not define; use one of claude, codex',
      expect.stringMatching(/^the file cannot be read: ENOENT/),
    ]);
  });
});
