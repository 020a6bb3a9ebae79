import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Attempt } from '../../src/tasks/attempt.js';
import { queueDirs, type QueueDirs } from '../../src/tasks/layout.js';
import { claimTask, ensureQueueDirs } from '../../src/tasks/store.js';
import { patchSidecar } from '../helpers/tasks.js';
import type { Sidecar } from '../../src/tasks/types.js';

const NOW = 1_700_000_000_000;
let root: string;
let dirs: QueueDirs;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'agentpool-attempt-'));
  dirs = queueDirs(join(root, '.agent-queue', 'inbox'));
  await ensureQueueDirs(dirs.inbox);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function claimed(name = 'fix.md'): Promise<string> {
  const path = join(dirs.inbox, name);
  await writeFile(path, '---\ntitle: Fix it\n---\nDo it\n');
  return (await claimTask({ path, project: root, name, priority: 'high', arrivedAt: NOW - 5_000, attempts: 0, notBefore: 0, where: 'inbox' }, 'ccl-auto-1', NOW)).path;
}
const sidecarOf = async (task: string) => JSON.parse(await readFile(`${task}.state.json`, 'utf8')) as Sidecar;

describe('attempt ledger', () => {
  it('each step is on disk when it returns: launched, submitting, submitted, the agent ids', async () => {
    const task = await claimed();
    const a = await Attempt.open(task);
    expect((await a.task()).meta.title).toBe('Fix it');
    await a.launched({ model: 'sonnet', agentSessionId: 'abc', session: 'ccl-auto-1', at: NOW + 1, submitted: false, sandboxed: false });
    expect(await sidecarOf(task)).toMatchObject({ state: 'launched', model: 'sonnet', agentSessionId: 'abc', launchedAt: NOW + 1 });
    await a.submitting();
    expect((await sidecarOf(task)).state).toBe('submitting');
    await a.submitted(NOW + 2);
    // A transcript is named only once it exists.
    const transcript = join(root, 't.jsonl');
    await a.identity({ agentSessionId: 'abc', transcriptPath: transcript });
    expect((await sidecarOf(task)).transcriptPath).toBeNull();
    await writeFile(transcript, '{}\n');
    await a.identity({ transcriptPath: transcript });
    expect(await sidecarOf(task)).toMatchObject({ state: 'submitted', submittedAt: NOW + 2, transcriptPath: transcript, attempts: 1 });
    expect(a.sidecar).toEqual(await sidecarOf(task));
  });

  it('a profile that takes the task in its argv is launched and submitted in one write', async () => {
    const a = await Attempt.open(await claimed());
    const s = await a.launched({ model: 'sonnet', agentSessionId: null, session: 'ccl-auto-1', at: NOW + 1, submitted: true, sandboxed: false });
    expect(s).toMatchObject({ state: 'submitted', launchedAt: NOW + 1, submittedAt: NOW + 1 });
  });

  it('settle done moves the task to done/ with its record; retry puts it back in the queue with the attempt in its history', async () => {
    const one = await Attempt.open(await claimed('one.md'));
    const dest = await one.settle({ disposition: 'done', reason: 'done', now: NOW + 9, git: null, log: '/l.log', lastMessage: 'all fixed' });
    expect(dest).toBe(join(dirs.done, 'one.md'));
    expect((await readdir(dirs.done)).sort()).toEqual(['one.md', 'one.md.result.json']);
    expect(await one.result()).toMatchObject({ outcome: 'done', lastMessage: 'all fixed', history: [{ attempt: 1, outcome: 'done', log: '/l.log' }] });

    const task = await claimed('two.md');
    const two = await Attempt.open(task);
    expect(await two.settle({ disposition: 'retry', reason: 'crash', outcome: 'failed', notBefore: NOW + 60_000, refundAttempt: false, now: NOW + 9, git: null, log: null })).toBe(task);
    expect(await sidecarOf(task)).toMatchObject({ state: 'queued', session: null, notBefore: NOW + 60_000, history: [{ attempt: 1, outcome: 'failed', reason: 'crash' }] });
  });

  it('writes from the sidecar it read: a task without one says so, as the store does', async () => {
    const a = await Attempt.open(join(dirs.active, 'gone.md'));
    expect(a.sidecar).toBeNull();
    await expect(a.submitting()).rejects.toThrow(/no sidecar for .*gone\.md/);
    const task = await claimed();
    const b = await Attempt.open(task);
    await patchSidecar(task, { cancel: { at: NOW, reason: 'x' } });
    expect(b.sidecar?.cancel).toBeUndefined(); // read once, when the step opened it
  });
});
