import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import { queueDirs, type QueueDirs } from '../../src/tasks/layout.js';
import { readSidecar } from '../../src/tasks/scan.js';
import { claimTask, ensureQueueDirs, readActive, readTask, rejectTask, retryTask } from '../../src/tasks/store.js';
import { cancelWaiting } from '../../src/tasks/ledger.js';
import { patchSidecar, settleTask } from '../helpers/tasks.js';
import type { PendingTask, ResultRecord } from '../../src/tasks/types.js';

const NOW = 1_700_000_000_000;
let root: string;
let dirs: QueueDirs;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'agentpool-store-'));
  dirs = queueDirs(join(root, '.agent-queue', 'inbox'));
  await ensureQueueDirs(dirs.inbox);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function drop(name: string, text = `Do ${name}\n`, o: Partial<PendingTask> = {}): Promise<PendingTask> {
  const path = join(dirs.inbox, name);
  await writeFile(path, text);
  return { path, project: root, name, priority: 'high', arrivedAt: NOW - 5_000, attempts: 0, notBefore: 0, where: 'inbox', ...o };
}
const ls = async (dir: string) => (await readdir(dir)).sort();
const json = async <T>(path: string) => JSON.parse(await readFile(path, 'utf8')) as T;

describe('task store', () => {
  it('ensureQueueDirs makes inbox, active, done and failed beside each other', async () => {
    expect(await ls(join(root, '.agent-queue'))).toEqual(['active', 'done', 'failed', 'inbox']);
  });

  it('claim moves the file from inbox to active and writes a sidecar with attempt 1', async () => {
    const t = await drop('fix.md');
    const a = await claimTask(t, 'ccl-auto-2', NOW);
    expect(a.path).toBe(join(dirs.active, 'fix.md'));
    expect(await ls(dirs.inbox)).toEqual([]);
    expect(await ls(dirs.active)).toEqual(['fix.md', 'fix.md.state.json']);
    expect(await readFile(a.path, 'utf8')).toBe('Do fix.md\n');
    const sidecar = await readSidecar(`${a.path}.state.json`);
    expect(sidecar).toEqual(a.sidecar);
    expect(sidecar).toMatchObject({
      version: 1, task: 'fix.md', project: root, priority: 'high', arrivedAt: NOW - 5_000, attempts: 1, state: 'claimed',
      session: 'ccl-auto-2', claimedAt: NOW, launchedAt: null, submittedAt: null, notBefore: 0, history: [],
    });
    expect(await readActive(a.path)).toEqual(a);
  });

  it('a second claim of the same task fails and leaves no stray sidecar', async () => {
    const t = await drop('once.md');
    await claimTask(t, 'ccl-auto-1', NOW);
    await expect(claimTask(t, 'ccl-auto-2', NOW + 1)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await ls(dirs.active)).toEqual(['once.md', 'once.md.state.json']);
    expect((await readSidecar(join(dirs.active, 'once.md.state.json')))?.session).toBe('ccl-auto-1');
  });

  // BUG (src/tasks/store.ts:26-33): two claimers racing for one inbox file both pick the same free name in
  // active/ and both write its sidecar; the loser's rename fails and it unlinks the sidecar — which is now the
  // winner's. The task sits in active/ without a sidecar, so the scanner treats it as never sent and it is
  // queued again while the winner's agent works on it (run twice). Fix: write the sidecar under a per-claimer
  // temporary name and rename it into place only after the task rename succeeded (or, on failure, unlink only
  // the sidecar this claimer wrote, e.g. by checking its session/claimedAt).
  it('two concurrent claims of one task: exactly one wins and its sidecar survives', async () => {
    const t = await drop('race.md');
    const results = await Promise.allSettled([claimTask(t, 'ccl-auto-1', NOW), claimTask(t, 'ccl-auto-2', NOW)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof claimTask>>>).value;
    expect((await readSidecar(`${winner.path}.state.json`))?.session).toBe(winner.sidecar.session);
  });

  it('claims into a free name when active/ already holds a task of that name', async () => {
    await writeFile(join(dirs.active, 'dup.md'), 'older task\n');
    const a = await claimTask(await drop('dup.md', 'newer task\n'), 'ccl-auto-1', NOW);
    expect(a.path).toBe(join(dirs.active, 'dup.2.md'));
    expect(a.name).toBe('dup.2.md');
    expect(a.sidecar.task).toBe('dup.2.md');
    expect(await readFile(join(dirs.active, 'dup.md'), 'utf8')).toBe('older task\n');
    expect(await readFile(a.path, 'utf8')).toBe('newer task\n');
  });

  it('claiming a queued task in active/ bumps its attempts; a claimed one is refused', async () => {
    const first = await claimTask(await drop('again.md'), 'ccl-auto-1', NOW);
    await settleTask(first.path, { disposition: 'retry', reason: 'crash', outcome: 'failed', notBefore: NOW + 30_000, refundAttempt: false, now: NOW + 10 });
    const queued: PendingTask = { path: first.path, project: root, name: 'again.md', priority: 'high', arrivedAt: NOW - 5_000, attempts: 1, notBefore: NOW + 30_000, where: 'active' };
    const second = await claimTask(queued, 'ccl-auto-3', NOW + 40_000);
    expect(second.path).toBe(first.path);
    expect(second.sidecar).toMatchObject({ state: 'claimed', session: 'ccl-auto-3', attempts: 2, claimedAt: NOW + 40_000, notBefore: 0 });
    expect(second.sidecar.history).toHaveLength(1);
    await expect(claimTask(queued, 'ccl-auto-4', NOW + 41_000)).rejects.toThrow(/already claimed by ccl-auto-3/);
    expect((await readSidecar(`${first.path}.state.json`))?.session).toBe('ccl-auto-3');
  });

  it('claiming a task in active/ that lost its sidecar starts it at attempt 1; a missing file fails', async () => {
    const path = join(dirs.active, 'bare.md');
    await writeFile(path, 'x\n');
    const t: PendingTask = { path, project: root, name: 'bare.md', priority: 'low', arrivedAt: NOW - 1, attempts: 0, notBefore: 0, where: 'active' };
    expect((await claimTask(t, 'ccl-auto-1', NOW)).sidecar).toMatchObject({ attempts: 1, state: 'claimed', priority: 'low' });
    const gone = { ...t, path: join(dirs.active, 'gone.md'), name: 'gone.md' };
    await expect(claimTask(gone, 'ccl-auto-1', NOW)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await ls(dirs.active)).toEqual(['bare.md', 'bare.md.state.json']);
  });

  it('requeue sets the state to queued, frees the session and records the attempt in history', async () => {
    const a = await claimTask(await drop('rq.md'), 'ccl-auto-1', NOW);
    await patchSidecar(a.path, { state: 'submitted', submittedAt: NOW + 1 });
    await settleTask(a.path, { disposition: 'retry', reason: 'the agent crashed', outcome: 'failed', notBefore: NOW + 30_000, refundAttempt: false, now: NOW + 100 });
    const s = await readSidecar(`${a.path}.state.json`);
    expect(s).toMatchObject({ state: 'queued', session: null, attempts: 1, notBefore: NOW + 30_000 });
    expect(s?.history).toEqual([{ attempt: 1, session: 'ccl-auto-1', outcome: 'failed', reason: 'the agent crashed', at: NOW + 100 }]);
    expect(await ls(dirs.active)).toEqual(['rq.md', 'rq.md.state.json']);
  });

  it('requeue with refundAttempt gives the attempt back, never below 0', async () => {
    const a = await claimTask(await drop('lim.md'), 'ccl-auto-1', NOW);
    await settleTask(a.path, { disposition: 'retry', reason: 'usage limit', outcome: 'limited', notBefore: NOW + 1, refundAttempt: true, now: NOW });
    expect((await readSidecar(`${a.path}.state.json`))?.attempts).toBe(0);
    await settleTask(a.path, { disposition: 'retry', reason: 'usage limit', outcome: 'limited', notBefore: NOW + 1, refundAttempt: true, now: NOW });
    const s = await readSidecar(`${a.path}.state.json`);
    expect(s?.attempts).toBe(0);
    expect(s?.history.map((h) => h.attempt)).toEqual([1, 0]);
  });

  it('requeue refuses a task without a sidecar', async () => {
    await expect(settleTask(join(dirs.active, 'nope.md'), { disposition: 'retry', reason: 'r', outcome: 'failed', notBefore: 0, refundAttempt: false, now: NOW })).rejects.toThrow(/no sidecar/);
  });

  it('settling to done/ moves the file, writes the result record and removes the sidecar', async () => {
    const a = await claimTask(await drop('ok.md', '---\ntitle: t\n---\nbody\n'), 'ccl-auto-1', NOW);
    await patchSidecar(a.path, { state: 'submitted', model: 'sonnet', agentSessionId: 'abc-1' });
    const dest = await settleTask(a.path, { disposition: 'done', reason: 'the agent finished its turn', now: NOW + 60_000, lastMessage: 'Done: fixed.' });
    expect(dest).toBe(join(dirs.done, 'ok.md'));
    expect(await ls(dirs.active)).toEqual([]);
    expect(await ls(dirs.done)).toEqual(['ok.md', 'ok.md.result.json']);
    expect(await readFile(dest, 'utf8')).toBe('---\ntitle: t\n---\nbody\n');
    const rec = await json<ResultRecord & { state?: string }>(`${dest}.result.json`);
    expect(rec).toMatchObject({
      outcome: 'done', reason: 'the agent finished its turn', finishedAt: NOW + 60_000, lastMessage: 'Done: fixed.', session: 'ccl-auto-1',
      attempts: 1, model: 'sonnet', agentSessionId: 'abc-1', claimedAt: NOW,
      history: [{ attempt: 1, session: 'ccl-auto-1', outcome: 'done', reason: 'the agent finished its turn', at: NOW + 60_000 }],
    });
    expect(rec.state).toBeUndefined();
  });

  it('settling never overwrites: a name taken in done/ gives name.2.md, then name.3.md', async () => {
    await writeFile(join(dirs.done, 'same.md'), 'first\n');
    const a = await claimTask(await drop('same.md', 'second\n'), 'ccl-auto-1', NOW);
    expect(await settleTask(a.path, { disposition: 'done', reason: 'ok', now: NOW })).toBe(join(dirs.done, 'same.2.md'));
    const b = await claimTask(await drop('same.md', 'third\n'), 'ccl-auto-1', NOW);
    expect(await settleTask(b.path, { disposition: 'done', reason: 'ok', now: NOW })).toBe(join(dirs.done, 'same.3.md'));
    expect(await readFile(join(dirs.done, 'same.md'), 'utf8')).toBe('first\n');
    expect(await readFile(join(dirs.done, 'same.2.md'), 'utf8')).toBe('second\n');
    expect(await readFile(join(dirs.done, 'same.3.md'), 'utf8')).toBe('third\n');
    expect(await ls(dirs.done)).toEqual(['same.2.md', 'same.2.md.result.json', 'same.3.md', 'same.3.md.result.json', 'same.md']);
  });

  it('settling to failed/ keeps the reason and omits lastMessage', async () => {
    const a = await claimTask(await drop('bad.md'), 'ccl-auto-1', NOW);
    const dest = await settleTask(a.path, { disposition: 'fail', reason: 'gave up after 3 attempts', now: NOW + 1 });
    expect(dest).toBe(join(dirs.failed, 'bad.md'));
    const rec = await json<ResultRecord>(`${dest}.result.json`);
    expect(rec).toMatchObject({ outcome: 'failed', reason: 'gave up after 3 attempts' });
    expect('lastMessage' in rec).toBe(false);
    expect(await ls(dirs.active)).toEqual([]);
  });

  it('rejectTask moves an inbox file to failed/ with the reason, never overwriting', async () => {
    await writeFile(join(dirs.failed, 'empty.md'), 'an older failure\n');
    await drop('empty.md', '');
    const dest = await rejectTask({ path: join(dirs.inbox, 'empty.md'), project: root, name: 'empty.md', reason: 'the file is empty: write the task in it' }, NOW);
    expect(dest).toBe(join(dirs.failed, 'empty.2.md'));
    expect(await ls(dirs.inbox)).toEqual([]);
    expect(await readFile(join(dirs.failed, 'empty.md'), 'utf8')).toBe('an older failure\n');
    expect(await json<ResultRecord>(`${dest}.result.json`)).toMatchObject({
      outcome: 'failed', reason: 'the file is empty: write the task in it', finishedAt: NOW, attempts: 0, session: null, project: root, task: 'empty.2.md',
    });
  });

  it('retryTask puts a failed task back in active/, queued, with its attempts reset and its history kept', async () => {
    const t = await claimTask(await drop('r.md'), 'ccl-auto-1', NOW);
    await patchSidecar(t.path, { cancel: { at: NOW, reason: 'cancelled' } });
    const failed = await settleTask(t.path, { disposition: 'fail', reason: 'crash', now: NOW + 1 });
    expect('cancel' in (await json<ResultRecord>(failed + '.result.json'))).toBe(false);
    // What the file says now is what the retry asks and waits for (the file may have been fixed).
    const meta = { priority: 'high' as const, tags: [], extra: {}, agent: 'codex', model: 'o3', after: ['a.md'] };
    const dest = await retryTask(failed, { now: NOW + 2, reason: 'retried with agentpool retry', meta });
    expect(dest).toBe(join(dirs.active, 'r.md'));
    expect(await ls(dirs.failed)).toEqual([]);
    const sc = await readSidecar(dest + '.state.json');
    expect(sc).toMatchObject({ state: 'queued', attempts: 0, session: null, notBefore: 0, task: 'r.md', priority: 'high', agent: 'codex', askedModel: 'o3', after: ['a.md'] });
    expect(sc!.history.map((h) => `${h.attempt} ${h.outcome} ${h.reason}`)).toEqual(['1 failed crash', '1 retried retried with agentpool retry']);
    expect('outcome' in sc!).toBe(false);
    // A cancelled task retried by hand runs: the cancel ended its last attempt, not this one.
    expect('cancel' in sc!).toBe(false);
    await expect(retryTask(dest, { now: NOW, reason: 'x', meta })).rejects.toThrow(/no result record/);
  });

  it('a cancel moves an inbox task, or a queued one in active/, to failed/ with the reason', async () => {
    const inbox = await drop('i.md');
    const a = await cancelWaiting(inbox.path, root, { now: NOW, reason: 'cancelled' });
    const t = await claimTask(await drop('q.md'), 'ccl-auto-1', NOW);
    await settleTask(t.path, { disposition: 'retry', reason: 'crash', outcome: 'failed', notBefore: NOW + 60_000, refundAttempt: false, now: NOW });
    const b = await settleTask(t.path, { disposition: 'fail', now: NOW, reason: 'cancelled' });
    expect([a, b]).toEqual([join(dirs.failed, 'i.md'), join(dirs.failed, 'q.md')]);
    expect((await json<ResultRecord>(b + '.result.json')).history.map((h) => h.outcome)).toEqual(['failed', 'failed']);
    expect((await json<ResultRecord>(a + '.result.json')).reason).toBe('cancelled');
    expect(await ls(dirs.active)).toEqual([]);
  });

  it('readTask parses a claimed file and throws the reason for a broken one', async () => {
    const a = await claimTask(await drop('r.md', '---\npriority: low\n---\nHello\n'), 'ccl-auto-1', NOW);
    expect(await readTask(a.path)).toEqual({ meta: { priority: 'low', tags: [], extra: {} }, body: 'Hello' });
    const broken = join(dirs.active, 'broken.md');
    await writeFile(broken, '---\npriority: nope\n---\nx');
    await expect(readTask(broken)).rejects.toThrow(/unknown priority "nope"/);
  });

  it('readActive is null without a sidecar', async () => {
    await mkdir(dirs.active, { recursive: true });
    await writeFile(join(dirs.active, 'x.md'), 'x');
    expect(await readActive(join(dirs.active, 'x.md'))).toBeNull();
  });
});
