import type { DesiredState, Limit, ProjectSpec } from '../config/types.js';
import type { DaySpend } from './ledger.js';

/** Whether the config sets any day budget (the pool's, or a project's): only then is the day's ledger read. */
export function hasDayBudget(d: DesiredState): boolean {
  return d.budgets.day !== null || d.projects.some((p) => p.budget.day !== null);
}

/**
 * Why a project's new tasks must wait for the next day, or null (pure): the pool's day budget is spent, or
 * the project's. The figure that reached its limit, and until when (the day's end in the budget's zone).
 */
export function budgetWait(d: DesiredState, project: ProjectSpec | undefined, spend: DaySpend | undefined): string | null {
  if (!spend) return null;
  const until = `until ${new Date(spend.endsAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const pool = reached(d.budgets.day, spend.pool);
  if (pool) return `the pool's budget for ${spend.day} is spent (${pool}) ${until}`;
  const own = project ? reached(project.budget.day, spend.byProject.get(project.path)) : null;
  return own ? `the project's budget for ${spend.day} is spent (${own}) ${until}` : null;
}

/** `$50.12 of $50`, `1,000,200 of 1,000,000 tokens`, or null while under the limit. */
function reached(limit: Limit | null, spent: { cost: number; tokens: number } | undefined): string | null {
  if (!limit || !spent) return null;
  if (limit.cost !== null && spent.cost >= limit.cost) return `${money(spent.cost)} of $${limit.cost}`;
  if (limit.tokens !== null && spent.tokens >= limit.tokens) return `${spent.tokens.toLocaleString('en-US')} of ${limit.tokens.toLocaleString('en-US')} tokens`;
  return null;
}

/** What status says while a day budget holds tasks back: one line for the pool's, one per project. */
export function budgetWarnings(d: DesiredState, spend: DaySpend | undefined): string[] {
  if (!spend) return [];
  const pool = budgetWait(d, undefined, spend);
  if (pool) return [`${pool}: no new task starts; running tasks finish`];
  return d.projects.flatMap((p) => {
    const w = budgetWait(d, p, spend);
    return w ? [`${p.name}: ${w}: its new tasks wait; running ones finish`] : [];
  });
}

/** Money as read: cents from a unit up, hundredths of a cent below it. */
const money = (v: number): string => `$${v.toFixed(v >= 1 ? 2 : 4)}`;
