import { mkdtemp, readFile, readdir, rm, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTask } from '../../src/tasks/parse.js';
import { taskFileName, taskText, writeNewTask } from '../../src/tasks/new-task.js';

describe('a new task (agentpool add)', () => {
  it('writes front matter only for what was given, and reads back as the same task', () => {
    const text = taskText({ front: { title: 'Fix it', priority: 'high', after: ['a.md'], model: undefined }, body: '  Do this.\n\n' });
    expect(text).toBe('---\ntitle: Fix it\npriority: high\nafter:\n  - a.md\n---\n\nDo this.\n');
    const parsed = parseTask(new TextEncoder().encode(text));
    expect(parsed).toMatchObject({ ok: true, task: { meta: { title: 'Fix it', priority: 'high', after: ['a.md'] }, body: 'Do this.' } });
    expect(taskText({ front: {}, body: 'Just this.' })).toBe('Just this.\n');
  });

  it('names the file from the title or the first line, in plain letters', () => {
    expect(taskFileName({ front: { title: 'Fix the flaky checkout test!' }, body: 'x' })).toBe('fix-the-flaky-checkout-test.md');
    expect(taskFileName({ front: {}, body: 'Übersetze die Änderungen\nmore' })).toBe('ubersetze-die-anderungen.md');
    expect(taskFileName({ front: {}, body: '!!!' })).toBe('task.md');
    expect(taskFileName({ front: {}, body: 'a'.repeat(100) })).toBe(`${'a'.repeat(48)}.md`);
  });

  describe('writeNewTask', () => {
    let dir = '';
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('takes the next free name when one of its queue folders has the name, and leaves no temp file', async () => {
      dir = await mkdtemp(join(tmpdir(), 'agentpool-add-'));
      const inbox = join(dir, '.agent-queue', 'inbox');
      for (const f of ['inbox', 'active', 'done', 'failed']) await mkdir(join(dir, '.agent-queue', f), { recursive: true });
      await writeFile(join(dir, '.agent-queue', 'done', 'fix.md'), 'old\n');
      expect(await writeNewTask(inbox, 'fix.md', 'New.\n')).toBe('fix-2.md');
      expect(await writeNewTask(inbox, 'fix.md', 'Newer.\n')).toBe('fix-3.md');
      expect(await readdir(inbox)).toEqual(['fix-2.md', 'fix-3.md']);
      expect(await readFile(join(inbox, 'fix-3.md'), 'utf8')).toBe('Newer.\n');
      await expect(writeNewTask(inbox, 'bad.md', '---\npriority: someday\n---\nx')).rejects.toThrow(/the task would not run: unknown priority "someday"/);
    });

    it('keeps both of two tasks added at once under one name: one gets the next name, neither replaces the other', async () => {
      dir = await mkdtemp(join(tmpdir(), 'agentpool-add-'));
      const inbox = join(dir, '.agent-queue', 'inbox');
      for (const f of ['inbox', 'active', 'done', 'failed']) await mkdir(join(dir, '.agent-queue', f), { recursive: true });
      const names = await Promise.all(Array.from({ length: 8 }, (_, i) => writeNewTask(inbox, 'same.md', `Task ${i}.\n`)));
      expect(new Set(names).size).toBe(8);
      expect((await readdir(inbox)).sort()).toEqual([...names].sort());
      const texts = await Promise.all(names.map((n) => readFile(join(inbox, n), 'utf8')));
      expect(texts.sort()).toEqual(Array.from({ length: 8 }, (_, i) => `Task ${i}.\n`).sort());
    });
  });
});
