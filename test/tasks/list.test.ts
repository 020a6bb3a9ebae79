/** `listTasks` over real queue folders, with tasks put in each state by the store itself. */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProjectSpec } from '../../src/config/types.js';
import { listTasks } from '../../src/tasks/list.js';
import { claimTask, ensureQueueDirs } from '../../src/tasks/store.js';
import { settleTask } from '../helpers/tasks.js';
import type { PendingTask } from '../../src/tasks/types.js';
import { projectSpec } from '../../src/config/normalize.js';

let dir: string;
let project: ProjectSpec;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentpool-list-'));
  const path = join(dir, 'webapp');
  project = projectSpec(path, { name: 'webapp' });
  await ensureQueueDirs(project.inbox);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T = Date.UTC(2026, 11, 1, 12, 0, 0);

/** A task file in the inbox, and the entry the scanner makes of it (with the priority its front matter gives). */
async function inbox(name: string, text: string, mtime: number, priority: PendingTask['priority'] = 'default'): Promise<PendingTask> {
  const path = join(project.inbox, name);
  await writeFile(path, text);
  await utimes(path, mtime / 1000, mtime / 1000);
  return { path, project: project.path, name, priority, arrivedAt: mtime, attempts: 0, notBefore: 0, where: 'inbox' };
}

describe('listTasks', () => {
  it('reads each state from its own record: front matter, sidecar, result', async () => {
    await inbox('waiting.md', '---\npriority: high\n---\nLater\n', T);
    await inbox('broken.md', '---\npriority: urgent\n---\nBad front matter\n', T + 1);
    const retried = await claimTask(await inbox('flaky.md', 'Flaky\n', T - 3_000), 'ccl-auto-2', T + 10);
    await settleTask(retried.path, { disposition: 'retry', reason: 'the agent exited with status 1 while working on the task (crash?)', outcome: 'failed', notBefore: 0, refundAttempt: false, now: T + 20 });
    const done = await claimTask(await inbox('fixed.md', '---\npriority: critical\n---\nFix\n', T - 5_000, 'critical'), 'ccl-auto-1', T + 1_000);
    await settleTask(done.path, { disposition: 'done', reason: 'the agent finished its turn', now: T + 61_000 });

    const rows = await listTasks([project]);
    expect(rows.map((r) => [r.state, r.name, r.priority, r.attempts, r.step, r.session, r.durationMs, r.reason])).toEqual([
      ['inbox', 'waiting.md', 'high', 0, null, null, null, null],
      ['inbox', 'broken.md', null, 0, null, null, null, expect.stringMatching(/priority/)],
      ['active', 'flaky.md', 'default', 1, 'queued', null, null, 'the agent exited with status 1 while working on the task (crash?)'],
      ['done', 'fixed.md', 'critical', 1, null, 'ccl-auto-1', 60_000, 'the agent finished its turn'],
    ]);
    expect(rows.every((r) => r.project === 'webapp')).toBe(true);
    expect(rows[0]!.arrivedAt).toBe(T);
  });

  it('shows an inbox file that looks meant as a task but is not one, saying why it waits; and an empty one', async () => {
    await inbox('notes.txt', 'Meant as a task\n', T);
    await inbox('later.MD', 'Meant as a task\n', T + 1);
    await inbox('touched.md', '', T + 2);
    await inbox('.later.md.swp', 'editor state', T + 3);
    await inbox('old.md.dispatched', 'the older dispatcher', T + 4);
    await inbox('build.log', 'not ours', T + 5);
    const rows = await listTasks([project], ['inbox']);
    expect(rows.map((r) => [r.name, r.priority, r.reason])).toEqual([
      ['notes.txt', null, 'not a task: only files named *.md are (rename it to run it)'],
      ['later.MD', null, 'not a task: only files named *.md are (rename it to run it)'],
      ['touched.md', null, 'the file is empty: write the task in it'],
    ]);
  });

  it('lists only the states asked for, and nothing for a project whose folders are missing', async () => {
    await inbox('a.md', 'A\n', T);
    expect((await listTasks([project], ['done', 'failed']))).toEqual([]);
    expect((await listTasks([project], ['inbox'])).map((r) => r.name)).toEqual(['a.md']);
    const gone: ProjectSpec = { ...project, path: join(dir, 'gone'), inbox: join(dir, 'gone', '.agent-queue', 'inbox'), name: 'gone' };
    expect(await listTasks([gone])).toEqual([]);
  });
});
