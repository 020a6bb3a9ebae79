import { defaultConfigPath, loadDesired } from '../config/load.js';
import { listTasks, TASK_STATES, type TaskState } from '../tasks/list.js';
import { queueWaits } from '../tasks/waits.js';
import { UsageError, type CliValues } from './main.js';
import { oneLine, shortDuration, table } from './table.js';

/** The queue of every project (or one), read from the task folders: no controller or tmux needed. */
export async function tasksCommand(v: CliValues): Promise<number> {
  const d = await loadDesired(v.config ?? defaultConfigPath());
  const projects = v.project ? d.projects.filter((p) => p.name === v.project || p.path === v.project) : d.projects;
  if (v.project && projects.length === 0) {
    throw new UsageError(`no project "${v.project}" in ${d.file}; its projects: ${d.projects.map((p) => p.name).join(', ') || '(none)'}`);
  }
  const states = v.state ? [v.state as TaskState] : TASK_STATES;
  const [listed, waits] = await Promise.all([listTasks(projects, states), states.includes('inbox') || states.includes('active') ? queueWaits(d) : new Map<string, string>()]);
  // A queued task that cannot start yet says why (after:, not_before:, its project's limit, a retry's time).
  const queued = (r: (typeof listed)[number]) => r.state === 'inbox' || (r.state === 'active' && r.step === 'queued');
  const rows = listed.map((r) => ({ ...r, waiting: queued(r) ? waits.get(r.path) ?? null : null }));
  if (v.output === 'json') {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const now = Date.now();
  // Branch and changes only where a project works in worktrees.
  const git = rows.some((r) => r.branch);
  // The host only where tasks went through a fleet.
  const fleet = rows.some((r) => r.host);
  // What each cost, where any attempt's usage is known.
  const costs = rows.some((r) => r.usage);
  process.stdout.write(table(
    ['PROJECT', 'STATE', 'TASK', 'PRIORITY', 'AGE', 'ATTEMPTS', ...(fleet ? ['HOST'] : []), 'SESSION', 'TOOK', ...(costs ? ['COST'] : []), ...(git ? ['BRANCH', 'CHANGES'] : []), 'REASON'],
    rows.map((r) => [
      r.project,
      r.waiting ? 'waiting' : r.state === 'active' && r.step ? `active/${r.step}` : r.state,
      r.name,
      r.priority ?? '-',
      shortDuration(now - r.arrivedAt),
      String(r.attempts),
      ...(fleet ? [r.host ?? ''] : []),
      r.session ?? '',
      r.durationMs === null ? '' : shortDuration(r.durationMs),
      ...(costs ? [costOf(r.usage)] : []),
      ...(git ? [r.branch ?? '', r.changes ?? ''] : []),
      oneLine(r.waiting ?? r.reason ?? '', 100),
    ]),
  ));
  return 0;
}

/** A task's cost for a table: money, `unknown` (a model without a price, or a CLI not read), or nothing yet. */
export function costOf(u: { cost: number | null; attempts: number } | null): string {
  if (!u) return '';
  return u.cost === null ? 'unknown' : `$${u.cost.toFixed(4)}`;
}
