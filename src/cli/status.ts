import { readdir } from 'node:fs/promises';
import { STATE_LABEL, type SlotState } from '../machines/types.js';
import { defaultConfigPath, loadDesired } from '../config/load.js';
import { desiredSlots } from '../reconciler/pool.js';
import { isTaskName, queueDirs } from '../tasks/layout.js';
import { createBackend } from '../backend/factory.js';
import type { CliValues } from './main.js';
import { table } from './table.js';

/** What the pool and the queues look like now, read from tmux and the task folders (no controller needed). */
export async function statusCommand(v: CliValues): Promise<number> {
  const d = await loadDesired(v.config ?? defaultConfigPath());
  const backend = createBackend(d);
  const sessions = await backend.list();
  const wanted = new Set(desiredSlots(d));
  const rows = sessions
    .filter((s) => s.tags.pool === d.pool.prefix || wanted.has(s.name) || d.dedicated.includes(s.name))
    .map(({ name, tags: t }) => ({
      session: name,
      role: d.dedicated.includes(name) ? 'dedicated' : t.pool === d.pool.prefix ? (wanted.has(name) ? 'pool' : 'surplus') : 'unowned',
      state: t.pool === d.pool.prefix ? STATE_LABEL[(t.state || 'idle') as SlotState] ?? t.state : '-',
      task: t.task ? t.task.slice(t.task.lastIndexOf('/') + 1) : '',
      until: t.until && Number(t.until) > Date.now() ? `${Math.ceil((Number(t.until) - Date.now()) / 1000)}s` : '',
    }));
  for (const name of wanted) if (!rows.some((r) => r.session === name)) rows.push({ session: name, role: 'pool', state: 'absent', task: '', until: '' });
  rows.sort((a, b) => a.session.localeCompare(b.session, 'en', { numeric: true }));
  const queues = await Promise.all(
    d.projects.map(async (p) => {
      const dirs = queueDirs(p.inbox);
      const count = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).filter(isTaskName).length;
      return { project: p.name, path: p.path, inbox: await count(dirs.inbox), active: await count(dirs.active), done: await count(dirs.done), failed: await count(dirs.failed) };
    }),
  );
  if (v.output === 'json') {
    process.stdout.write(`${JSON.stringify({ tmux: backend.label, sessions: rows, queues }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`${backend.label} — pool ${d.pool.prefix}* size ${d.pool.size}, agent ${d.pool.agent}\n\n`);
  process.stdout.write(table(['SESSION', 'ROLE', 'STATE', 'TASK', 'UNTIL'], rows.map((r) => [r.session, r.role, r.state, r.task, r.until])));
  process.stdout.write('\n');
  process.stdout.write(table(['PROJECT', 'INBOX', 'ACTIVE', 'DONE', 'FAILED', 'PATH'], queues.map((q) => [q.project, q.inbox, q.active, q.done, q.failed, q.path].map(String))));
  return 0;
}
