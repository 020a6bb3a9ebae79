import { access, constants, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** Where `command` would be run from, as execvp finds it: itself when it names a path, else the first match on PATH. */
export async function findExecutable(command: string, pathVar: string): Promise<string | null> {
  const runnable = (p: string) => access(p, constants.X_OK).then(async () => (await stat(p)).isFile(), () => false);
  if (!command) return null;
  if (command.includes('/')) return (await runnable(command)) ? command : null;
  for (const dir of pathVar.split(delimiter).filter(Boolean)) {
    const p = join(dir, command);
    if (await runnable(p)) return p;
  }
  return null;
}
