import { dayOf } from './ledger.js';
import { addTokens, NO_TOKENS, type AttemptUsage, type Tokens } from './usage.js';

/** What `agentpool costs` reads of one settled task: its record's facts and each attempt's usage. */
export interface SettledTask {
  task: string;
  project: string;
  agent: string;
  outcome: 'done' | 'failed';
  finishedAt: number;
  /** Each attempt's usage (an unknown one as null). */
  attempts: Array<AttemptUsage | null>;
}

export type CostsBy = 'project' | 'model' | 'agent' | 'day' | 'task';

export interface CostsRow {
  key: string;
  done: number;
  failed: number;
  tokens: Tokens;
  /** null when a model in it has no price. */
  cost: number | null;
  /** Attempts whose usage is unknown (a CLI agentpool cannot read yet): not in the figures. */
  unknown: number;
}

/**
 * The costs table (pure): settled tasks grouped by `by` (by model: each attempt's messages by the model
 * that answered; a task counts under every model it used), sorted by cost, most first, then by key.
 * `day` is the local date in `timeZone` of when the task ended.
 */
export function costsReport(tasks: readonly SettledTask[], by: CostsBy, timeZone: string): { rows: CostsRow[]; total: CostsRow } {
  const rows = new Map<string, CostsRow & { tasks: Set<string> }>();
  const row = (key: string) => {
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { key, done: 0, failed: 0, tokens: NO_TOKENS, cost: 0, unknown: 0, tasks: new Set() }));
    return r;
  };
  const count = (r: CostsRow & { tasks: Set<string> }, t: SettledTask) => {
    if (r.tasks.has(t.task)) return;
    r.tasks.add(t.task);
    if (t.outcome === 'done') r.done++;
    else r.failed++;
  };
  for (const t of tasks) {
    const keyOf = by === 'project' ? t.project : by === 'agent' ? t.agent : by === 'task' ? t.task : by === 'day' ? dayOf(t.finishedAt, timeZone) : null;
    if (keyOf !== null) {
      const r = row(keyOf);
      count(r, t);
      for (const u of t.attempts) add(r, u ? u.tokens : null, u ? u.cost : null);
      continue;
    }
    // By model: what each model answered.
    for (const u of t.attempts) {
      if (!u) {
        const r = row('(unknown)');
        count(r, t);
        r.unknown++;
        continue;
      }
      for (const [model, m] of Object.entries(u.byModel)) {
        const r = row(model);
        count(r, t);
        add(r, m, m.cost);
      }
    }
    if (!t.attempts.length) count(row('(no attempt)'), t);
  }
  const list = [...rows.values()].map(({ tasks: _t, ...r }) => r).sort((a, b) => (b.cost ?? Infinity) - (a.cost ?? Infinity) || a.key.localeCompare(b.key));
  const total: CostsRow = { key: 'total', done: 0, failed: 0, tokens: NO_TOKENS, cost: 0, unknown: 0 };
  for (const t of tasks) {
    if (t.outcome === 'done') total.done++;
    else total.failed++;
    for (const u of t.attempts) add(total, u ? u.tokens : null, u ? u.cost : null);
  }
  return { rows: list, total };
}

function add(r: CostsRow, tokens: Tokens | null, cost: number | null): void {
  if (!tokens) {
    r.unknown++;
    return;
  }
  r.tokens = addTokens(r.tokens, tokens);
  r.cost = r.cost === null || cost === null ? null : Math.round((r.cost + cost) * 1e6) / 1e6;
}
