import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../tasks/atomic.js';

/**
 * The sessions a person cordoned (`agentpool cordon`, `drain`): they finish their task and take no new one.
 * Kept in `<stateDir>/cordoned.json`, so the set outlives the controller and a dry run plans with it too;
 * every pass reads it, and only the controller's dispatch of a cordon request writes it.
 */
function cordonedFile(stateDir: string): string {
  return join(stateDir, 'cordoned.json');
}

/** The cordoned sessions, as the controller keeps them (an unreadable file counts as none). */
export async function readCordoned(stateDir: string): Promise<Set<string>> {
  const names = await readFile(cordonedFile(stateDir), 'utf8').then((t) => JSON.parse(t) as unknown, () => []);
  return new Set(Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : []);
}

export async function writeCordoned(stateDir: string, sessions: ReadonlySet<string>): Promise<void> {
  await writeJsonAtomic(cordonedFile(stateDir), [...sessions].sort());
}
