import { defaultConfigPath, loadDesired } from '../config/load.js';
import { desiredSlots } from '../config/pool.js';
import { listTasks } from '../tasks/list.js';
import type { CliValues } from './main.js';

/**
 * `agentpool __names tasks|sessions|both|projects`: one name a line, for the completion scripts
 * (completion.ts): the task files in the pool's queues, the pool's session names, the config's projects. Prints nothing, and succeeds, when the
 * config cannot be read: a Tab press must never print an error into the person's command line.
 */
export async function namesCommand(v: CliValues, kind: string | undefined): Promise<number> {
  const d = await loadDesired(v.config ?? defaultConfigPath()).catch(() => null);
  if (!d) return 0;
  const names = new Set<string>();
  if (kind === 'sessions' || kind === 'both') for (const n of desiredSlots(d)) names.add(n);
  if (kind === 'tasks' || kind === 'both') for (const t of await listTasks(d.projects).catch(() => [])) names.add(t.name);
  if (kind === 'projects') for (const p of d.projects) names.add(p.name);
  if (names.size) process.stdout.write(`${[...names].join('\n')}\n`);
  return 0;
}
