/**
 * Renamed-in files are complete at once even where ctime equals mtime (ext4's coarse timestamps): the
 * inbox's own inotify events (fs.watch) say how each file arrived. Real files, real events.
 */
import { watch } from 'node:fs';
import { mkdtemp, rename, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ArrivalTracker } from '../../src/tasks/arrivals.js';
import { QueueScanner } from '../../src/tasks/scan.js';
import { ensureQueueDirs } from '../../src/tasks/store.js';
import { waitFor } from '../helpers/tmux-server.js';
import { projectSpec } from '../../src/config/normalize.js';

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

describe('ArrivalTracker with a real inbox', () => {
  it('takes 200 write-then-rename files at once and leaves files written in place to settle', async () => {
    root = await mkdtemp(join(tmpdir(), 'agentpool-arrivals-'));
    const project = projectSpec(root, { name: 'p' });
    await ensureQueueDirs(project.inbox);
    const arrivals = new ArrivalTracker();
    let events = 0;
    const w = watch(project.inbox, (event, name) => {
      events++;
      if (name) arrivals.note(event === 'change' ? 'change' : 'rename', join(project.inbox, name.toString()));
    });
    try {
      for (let i = 0; i < 200; i++) {
        const tmp = join(project.inbox, `.t${i}.md.tmp`);
        await writeFile(tmp, `---\npriority: ${i % 10 === 0 ? 'critical' : 'default'}\n---\nTask ${i}\n`);
        await rename(tmp, join(project.inbox, `t${i}.md`));
      }
      for (let i = 0; i < 20; i++) {
        await writeFile(join(project.inbox, `inplace${i}.md`), 'Half a task');
        await appendFile(join(project.inbox, `inplace${i}.md`), ', and the rest\n');
      }
      // Every event of these writes has been delivered (inotify keeps them in order).
      await waitFor(() => events >= 200 * 2 + 20, { what: 'the inbox events' });
      const q = await new QueueScanner(arrivals).scan(project, { now: Date.now(), settleMs: 60_000, maxBytes: 1_048_576 });
      const waited = 200 - q.pending.length;
      console.log(`write-then-rename files that had to wait for settle: ${waited} of 200`);
      expect(waited).toBe(0);
      expect(q.settling.map((t) => t.name).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `inplace${i}.md`).sort());
      // Without the events only the timestamps tell, and settle applies where they are equal.
      const blind = await new QueueScanner().scan(project, { now: Date.now(), settleMs: 60_000, maxBytes: 1_048_576 });
      expect(blind.pending.length + blind.settling.length).toBe(220);
    } finally {
      w.close();
    }
  });

  it('forgets a file that went, and a file written after it arrived waits to settle', () => {
    const a = new ArrivalTracker();
    a.note('rename', '/in/x.md');
    expect(a.renamedIn('/in/x.md')).toBe(true);
    a.note('change', '/in/x.md');
    expect(a.renamedIn('/in/x.md')).toBe(false);
    a.note('rename', '/in/y.md');
    const mark = a.mark();
    a.note('rename', '/in/z.md'); // came while a scan ran whose listing did not have it yet
    a.keepOnly(new Set(), '/in', mark);
    expect(a.renamedIn('/in/y.md')).toBe(false);
    expect(a.renamedIn('/in/z.md')).toBe(true);
  });
});
