import { hasDayBudget } from '../costs/budget.js';
import { daySpend } from '../costs/ledger.js';
import type { DesiredState } from '../config/types.js';
import { taskRules } from './check.js';
import { locateDeps } from './deps.js';
import { gate } from './gate.js';
import { QueueScanner } from './scan.js';

/**
 * Why each queued task of the config's projects does not start, as the controller's next pass judges it
 * (the same scan and the same gate), for views that run without a controller: `after a.md`, `not before
 * 22:00`, `project at its limit 2/2`; a task the pass will fail says so.
 */
export async function queueWaits(d: DesiredState, now = Date.now()): Promise<Map<string, string>> {
  const scanner = new QueueScanner();
  const queues = await Promise.all(d.projects.map((p) => scanner.scan(p, { now, settleMs: d.tasks.settleMs, ...taskRules(d) })));
  const deps = await locateDeps(d, queues.flatMap((q) => [...q.pending, ...q.settling]));
  const spend = hasDayBudget(d) ? await daySpend(d.controller.stateDir, d.budgets.timeZone, now) : undefined;
  const g = gate(d, { queues, deps, now, ...(spend ? { spend } : {}) });
  const out = new Map<string, string>();
  for (const [path, w] of g.waiting) out.set(path, w.text);
  for (const t of g.fail) out.set(t.path, `goes to failed/ on the next pass: ${t.reason}`);
  return out;
}
