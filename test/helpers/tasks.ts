import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Drops a task the safe way: write a dotfile, rename it into the inbox. Returns its inbox path. */
export async function dropTask(project: string, name: string, text: string): Promise<string> {
  const inbox = join(project, '.agent-queue', 'inbox');
  await mkdir(inbox, { recursive: true });
  await writeFile(join(inbox, `.${name}.tmp`), text);
  await rename(join(inbox, `.${name}.tmp`), join(inbox, name));
  return join(inbox, name);
}
