import { randomUUID } from 'node:crypto';
import { link, lstat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { queueDirs } from './layout.js';
import { parseTask } from './parse.js';

/** What `agentpool add` writes: the task's front matter (keys as a person writes them) and its body. */
export interface NewTask {
  front: Record<string, unknown>;
  body: string;
}

/** The task file's text: front matter only when there is some, then the body. */
export function taskText(t: NewTask): string {
  const keys = Object.entries(t.front).filter(([, v]) => v !== undefined);
  const front = keys.length ? `---\n${stringify(Object.fromEntries(keys), { lineWidth: 0 }).trimEnd()}\n---\n\n` : '';
  return `${front}${t.body.trim()}\n`;
}

/** A file name from the task's title or first line: `fix-the-flaky-checkout-test.md`; at most 48 characters before `.md`. */
export function taskFileName(t: NewTask): string {
  const title = typeof t.front.title === 'string' ? t.front.title : t.body.trim().split('\n')[0] ?? '';
  const slug = title
    .normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')
    .slice(0, 48).replace(/-+$/, '');
  return `${slug || 'task'}.md`;
}

/**
 * Writes `text` into the inbox as a new task the way a careful person would: to a dotfile the controller
 * ignores, then linked under its name (a rename that never replaces), so the controller never reads half
 * of it and two tasks added at once under one name both stay. The name is `name`, or
 * `name-2.md`, `-3` ... when a task of that name is in any of the project's queue folders (a second
 * `a.md` would make `after: [a.md]` mean two tasks). Returns the name it got. Refuses text that does not
 * parse as a task, with the reason.
 */
export async function writeNewTask(inbox: string, name: string, text: string): Promise<string> {
  const parsed = parseTask(new TextEncoder().encode(text));
  if (!parsed.ok) throw new Error(`the task would not run: ${parsed.reason}`);
  const dirs = queueDirs(inbox);
  const taken = async (n: string) => (await Promise.all(Object.values(dirs).map((d) => lstat(join(d, n)).then(() => true, () => false)))).some(Boolean);
  const stem = name.replace(/\.md$/, '');
  const temp = join(inbox, `.${name}.${randomUUID()}.tmp`);
  await writeFile(temp, text, { flag: 'wx' });
  try {
    for (let i = 1; ; i++) {
      const chosen = i === 1 ? name : `${stem}-${i}.md`;
      if (await taken(chosen)) continue;
      // A link fails when the name was taken meanwhile (two adds at once): never one task over another.
      if (await link(temp, join(inbox, chosen)).then(() => true, (err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') return false;
        throw err;
      })) return chosen;
    }
  } finally {
    await unlink(temp).catch(() => {});
  }
}
