import { realpath } from 'node:fs/promises';
import { basename } from 'node:path';
import type { DesiredState } from '../config/types.js';
import { listTasks, type TaskRow } from '../tasks/list.js';
import { UsageError } from './main.js';

/** The one task `arg` names: by path, or by file name (with or without .md) in any project's queue. */
export async function findTask(d: DesiredState, arg: string): Promise<TaskRow> {
  const rows = await listTasks(d.projects);
  const real = await realpath(arg).catch(() => null);
  const byPath = real ? await Promise.all(rows.map(async (r) => ((await realpath(r.path).catch(() => r.path)) === real ? r : null))) : [];
  const found = byPath.filter((r): r is TaskRow => r !== null);
  const named = found.length ? found : rows.filter((r) => r.name === basename(arg) || r.name === `${basename(arg)}.md`);
  if (named.length === 1) return named[0]!;
  if (named.length === 0) throw new UsageError(`no task "${arg}" in the queues of ${d.projects.map((p) => p.name).join(', ') || '(no projects)'}; agentpool tasks lists them`);
  throw new UsageError(`"${arg}" names ${named.length} tasks; give its path:\n${named.map((r) => `  ${r.path}`).join('\n')}`);
}
