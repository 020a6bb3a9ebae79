/** The pane output kept for `agentpool logs` as an attempt ends (over the in-memory backend). */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DesiredState } from '../../src/config/types.js';
import { saveAttemptLog } from '../../src/reconciler/attempt-log.js';
import { Attempt } from '../../src/tasks/attempt.js';
import { queueDirs } from '../../src/tasks/layout.js';
import { claimTask, ensureQueueDirs } from '../../src/tasks/store.js';
import { FakeBackend } from '../helpers/fake-backend.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'agentpool-attempt-log-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('saveAttemptLog', () => {
  it('keeps the screen without its runs of empty rows or trailing blanks', async () => {
    const dirs = queueDirs(join(root, '.agent-queue', 'inbox'));
    await ensureQueueDirs(dirs.inbox);
    await writeFile(join(dirs.inbox, 'a.md'), 'Do A\n');
    const task = await claimTask({ path: join(dirs.inbox, 'a.md'), project: root, name: 'a.md', priority: 'default', arrivedAt: 1, attempts: 0, notBefore: 0, where: 'inbox' }, 'w-1', 1_000);
    const backend = new FakeBackend();
    const ref = await backend.create('w-1', {});
    // A shell agent that printed two lines and ended: tmux shows its pane's empty rows down to the end.
    backend.sessions.get(ref)!.screen = `\n\nstarting   \ndone: a.md\n${'\n'.repeat(45)}Pane is dead (status 0, Sun Dec  6 12:00:00 2026)\n\n\n`;
    const d = { controller: { stateDir: join(root, 'state') }, projects: [] } as unknown as DesiredState;
    const path = await saveAttemptLog(d, { backend, ref }, await Attempt.open(task.path));
    expect(await readFile(path!, 'utf8')).toBe('starting\ndone: a.md\n\nPane is dead (status 0, Sun Dec  6 12:00:00 2026)\n');
  });
});
