import { chmod, mkdtemp, mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import type { ProjectSpec } from '../../src/config/types.js';
import { queueDirs, type QueueDirs } from '../../src/tasks/layout.js';
import { QueueScanner, type ScanOptions } from '../../src/tasks/scan.js';
import { claimTask, ensureQueueDirs } from '../../src/tasks/store.js';
import { settleTask } from '../helpers/tasks.js';
import { projectSpec } from '../../src/config/normalize.js';

let root: string;
let project: ProjectSpec;
let dirs: QueueDirs;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'agentpool-scan-'));
  project = projectSpec(root, { name: 'proj' });
  dirs = queueDirs(project.inbox);
  await ensureQueueDirs(project.inbox);
});
afterEach(async () => {
  await chmod(dirs.inbox, 0o700).catch(() => {});
  await rm(root, { recursive: true, force: true });
});

/** Options under which every file written so far has settled. */
const settled = (o: Partial<ScanOptions> = {}): ScanOptions => ({ now: Date.now() + 60_000, settleMs: 500, maxBytes: 1_048_576, ...o });
const put = (name: string, text = 'Do it\n') => writeFile(join(dirs.inbox, name), text);

describe('QueueScanner', () => {
  it('lists settled task files as pending, with priority from the front matter', async () => {
    await put('a.md', '---\npriority: critical\n---\nA\n');
    await put('b.md');
    const q = await new QueueScanner().scan(project, settled());
    expect(q.project).toBe(root);
    expect(q.problems).toEqual([]);
    expect(q.rejected).toEqual([]);
    expect(q.pending.map((t) => [t.name, t.priority, t.where, t.attempts, t.notBefore])).toEqual(
      expect.arrayContaining([['a.md', 'critical', 'inbox', 0, 0], ['b.md', 'default', 'inbox', 0, 0]]),
    );
    expect(q.pending).toHaveLength(2);
    expect(q.pending[0]!.path).toBe(join(dirs.inbox, q.pending[0]!.name));
    expect(q.pending[0]!.arrivedAt).toBeGreaterThan(0);
  });

  it('takes the agent a task asks for, rejects one the config does not define, and keeps it for a retry', async () => {
    await put('codex.md', '---\nagent: other\nneeds_claude_code: true\n---\nA\n');
    await put('typo.md', '---\nagent: clade\n---\nB\n');
    const opts = settled({ agents: new Set(['claude', 'other']) });
    const q = await new QueueScanner().scan(project, opts);
    expect(q.pending.map((t) => [t.name, t.agent, t.needsClaudeCode])).toEqual([['codex.md', 'other', true]]);
    expect(q.rejected).toEqual([expect.objectContaining({ name: 'typo.md', reason: 'the task asks for agent "clade", which the config does not define; use one of claude, other' })]);
    // Claimed, then back in the queue for a retry: its sidecar still says what it asked for.
    const claimed = await claimTask(q.pending[0]!, 's-1', Date.now());
    expect(claimed.sidecar).toMatchObject({ agent: 'other', needsClaudeCode: true });
    await settleTask(claimed.path, { disposition: 'retry', outcome: 'failed', reason: 'x', now: Date.now(), notBefore: 0, refundAttempt: false });
    const again = await new QueueScanner().scan(project, opts);
    expect(again.pending.map((t) => [t.name, t.where, t.agent, t.needsClaudeCode])).toEqual([['codex.md', 'active', 'other', true]]);
  });

  it('ignores dotfiles, *.tmp, *.part, *.md.dispatched and other non-.md names', async () => {
    for (const n of ['.hidden.md', '.a.md.swp', 'x.tmp', 'x.md.tmp', 'y.part', 'y.md.part', 'old.md.dispatched', 'notes.txt', '.md', 'README']) await put(n);
    await put('real.md');
    const q = await new QueueScanner().scan(project, settled());
    expect(q.pending.map((t) => t.name)).toEqual(['real.md']);
    expect(q.rejected).toEqual([]);
    expect(q.problems).toEqual([]);
  });

  it('waits for a file still being written: not pending yet, settlingUntil says when', async () => {
    await put('fresh.md');
    const now = Date.now();
    const q = await new QueueScanner().scan(project, { now, settleMs: 60_000, maxBytes: 1_000 });
    expect(q.pending).toEqual([]);
    expect(q.settlingUntil).not.toBeNull();
    // It settles settleMs after its last write (the file's mtime can be a fraction of a ms past `now`).
    expect(q.settlingUntil).toBe((await stat(join(dirs.inbox, 'fresh.md'))).mtimeMs + 60_000);
    expect(q.settlingUntil!).toBeGreaterThan(now);
    // Once settled it is taken.
    const later = await new QueueScanner().scan(project, { now: q.settlingUntil!, settleMs: 60_000, maxBytes: 1_000 });
    expect(later.pending.map((t) => t.name)).toEqual(['fresh.md']);
    expect(later.settlingUntil).toBeNull();
  });

  it('rejects a symbolic link and leaves its target alone', async () => {
    const target = join(root, 'outside.md');
    await writeFile(target, 'secret\n');
    await symlink(target, join(dirs.inbox, 'link.md'));
    const q = await new QueueScanner().scan(project, settled());
    expect(q.pending).toEqual([]);
    expect(q.rejected).toEqual([{ path: join(dirs.inbox, 'link.md'), project: root, name: 'link.md', reason: expect.stringMatching(/symbolic link/) }]);
  });

  it('warns of a directory named like a task and leaves it alone: a warning, not a blind spot', async () => {
    await mkdir(join(dirs.inbox, 'folder.md'));
    const q = await new QueueScanner().scan(project, settled());
    expect(q.pending).toEqual([]);
    expect(q.rejected).toEqual([]);
    expect(q.warnings).toEqual([`${join(dirs.inbox, 'folder.md')} is a directory named like a task; rename it (it is left alone)`]);
    expect(q.problems).toEqual([]);
  });

  it('rejects a file over maxBytes, saying the size and the limit', async () => {
    await put('big.md', 'x'.repeat(101));
    await put('small.md', 'x'.repeat(100));
    const q = await new QueueScanner().scan(project, settled({ maxBytes: 100 }));
    expect(q.pending.map((t) => t.name)).toEqual(['small.md']);
    expect(q.rejected).toEqual([
      { path: join(dirs.inbox, 'big.md'), project: root, name: 'big.md', reason: 'the file is 101 bytes, over the limit of 100 (tasks.maxBytes): split it or raise the limit' },
    ]);
  });

  it('leaves an empty or blank file waiting for its text, with a warning: it may be one just created, about to be written', async () => {
    await put('empty.md', '');
    await put('blank.md', ' \n\n');
    const scanner = new QueueScanner();
    const q = await scanner.scan(project, settled());
    expect(q.rejected).toEqual([]);
    expect(q.pending).toEqual([]);
    expect(q.settling).toEqual([]);
    expect(q.warnings.sort()).toEqual([
      `${join(dirs.inbox, 'blank.md')} is empty: it waits until a task is written in it`,
      `${join(dirs.inbox, 'empty.md')} is empty: it waits until a task is written in it`,
    ]);
    await put('empty.md', 'Now a task.\n');
    expect((await scanner.scan(project, settled())).pending.map((t) => t.name)).toEqual(['empty.md']);
  });

  it('warns of a file that looks meant as a task but is not one, and leaves it alone; other files it ignores', async () => {
    await put('notes.txt', 'Meant as a task\n');
    await put('later.MD', 'Meant as a task\n');
    await put('.later.md.swp', 'editor state');
    await put('old.md.dispatched', 'the older dispatcher');
    await put('build.log', 'not ours');
    const q = await new QueueScanner().scan(project, settled());
    expect(q.warnings).toEqual([
      `${join(dirs.inbox, 'later.MD')} is not a task: only files named *.md are (rename it to run it)`,
      `${join(dirs.inbox, 'notes.txt')} is not a task: only files named *.md are (rename it to run it)`,
    ]);
    expect([...q.pending, ...q.rejected, ...q.settling]).toEqual([]);
  });

  it('rejects files that can never run with the parser’s reason', async () => {
    await writeFile(join(dirs.inbox, 'bin.md'), Buffer.from([0x61, 0x00, 0x62]));
    await put('prio.md', '---\npriority: asap\n---\nx');
    const q = await new QueueScanner().scan(project, settled());
    const reasons = Object.fromEntries(q.rejected.map((r) => [r.name, r.reason]));
    expect(reasons).toEqual({
      'bin.md': expect.stringMatching(/NUL bytes/),
      'prio.md': expect.stringMatching(/unknown priority "asap"/),
    });
    expect(q.pending).toEqual([]);
  });

  it('re-reads a file that changed (the parse cache is keyed by inode, size and mtime)', async () => {
    const scanner = new QueueScanner();
    await put('t.md', '---\npriority: low\n---\nx');
    expect((await scanner.scan(project, settled())).pending[0]?.priority).toBe('low');
    await put('t.md', '---\npriority: critical\n---\nxy');
    expect((await scanner.scan(project, settled())).pending[0]?.priority).toBe('critical');
  });

  it('reports a missing inbox as a problem and still scans active/', async () => {
    const missing: ProjectSpec = projectSpec(join(root, 'nope'));
    const q = await new QueueScanner().scan(missing, settled());
    expect(q).toEqual({ project: missing.path, pending: [], rejected: [], active: [], settlingUntil: null, settling: [], problems: [expect.stringMatching(/does not exist/)], warnings: [] });
    expect(q.problems[0]).toContain(missing.inbox);
    expect(q.problems[0]).toContain('nope');
  });

  it('reports an inbox that is a file', async () => {
    await rm(dirs.inbox, { recursive: true });
    await writeFile(dirs.inbox, 'oops');
    const q = await new QueueScanner().scan(project, settled());
    expect(q.problems).toEqual([expect.stringMatching(/is not a directory/)]);
  });

  it('lists claimed tasks in active/ and offers queued ones as pending with where: active', async () => {
    await put('run.md', '---\npriority: high\n---\nx');
    await put('retry.md', '---\npriority: critical\n---\ny');
    const s1 = new QueueScanner();
    const first = await s1.scan(project, settled());
    const byName = Object.fromEntries(first.pending.map((t) => [t.name, t]));
    const running = await claimTask(byName['run.md']!, 'ccl-auto-1', 1_000);
    const retry = await claimTask(byName['retry.md']!, 'ccl-auto-2', 1_000);
    await settleTask(retry.path, { disposition: 'retry', reason: 'crash', outcome: 'failed', notBefore: 99_000, refundAttempt: false, now: 2_000 });

    const q = await s1.scan(project, settled());
    expect(q.active.map((a) => [a.name, a.sidecar.state, a.sidecar.session]).sort()).toEqual([
      ['retry.md', 'queued', null],
      ['run.md', 'claimed', 'ccl-auto-1'],
    ]);
    expect(q.pending).toEqual([
      { path: retry.path, project: root, name: 'retry.md', priority: 'critical', arrivedAt: byName['retry.md']!.arrivedAt, attempts: 1, notBefore: 99_000, where: 'active' },
    ]);
    expect(q.active.find((a) => a.name === 'run.md')?.path).toBe(running.path);
  });

  it('offers a task in active/ without a sidecar (claimed, never sent) as a fresh queued one', async () => {
    await writeFile(join(dirs.active, 'lost.md'), 'x\n');
    await writeFile(join(dirs.active, 'lost.md.state.json.tmp'), '{');
    const q = await new QueueScanner().scan(project, settled());
    expect(q.active).toEqual([{ path: join(dirs.active, 'lost.md'), project: root, name: 'lost.md', sidecar: expect.objectContaining({ state: 'queued', attempts: 0, session: null }) }]);
    expect(q.pending).toEqual([expect.objectContaining({ name: 'lost.md', where: 'active', attempts: 0, priority: 'default' })]);
  });
});

describe('QueueScanner with a watched inbox', () => {
  const names = (q: { pending: Array<{ name: string }> }) => q.pending.map((t) => t.name).sort();

  it('looks again only at the files its watcher named, and lists the folder whole when the watcher (re)starts or after a while', async () => {
    const scanner = new QueueScanner();
    const now = Date.now() + 60_000;
    scanner.arrivals.watching(dirs.inbox, true);
    await put('a.md');
    expect(names(await scanner.scan(project, settled({ now })))).toEqual(['a.md']);
    // Reported by the watcher: seen. Not reported (an event lost): not looked for until the next full list.
    await put('b.md');
    scanner.arrivals.note('rename', join(dirs.inbox, 'b.md'));
    await put('unreported.md');
    expect(names(await scanner.scan(project, settled({ now })))).toEqual(['a.md', 'b.md']);
    await rm(join(dirs.inbox, 'a.md'));
    scanner.arrivals.note('rename', join(dirs.inbox, 'a.md'));
    expect(names(await scanner.scan(project, settled({ now })))).toEqual(['b.md']);
    expect(names(await scanner.scan(project, settled({ now: now + 60_000 })))).toEqual(['b.md', 'unreported.md']);
    await put('c.md');
    scanner.arrivals.watching(dirs.inbox, false);
    scanner.arrivals.watching(dirs.inbox, true);
    expect(names(await scanner.scan(project, settled({ now: now + 60_000 })))).toEqual(['b.md', 'c.md', 'unreported.md']);
  });

  it('lists the folder whole on every scan when no watcher covers it', async () => {
    const scanner = new QueueScanner();
    await put('a.md');
    expect(names(await scanner.scan(project, settled()))).toEqual(['a.md']);
    await put('b.md');
    expect(names(await scanner.scan(project, settled()))).toEqual(['a.md', 'b.md']);
  });
});
