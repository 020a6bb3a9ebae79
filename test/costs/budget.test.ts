/** Day budgets (src/costs/budget.ts, ledger.ts) and the queue's rule that holds tasks back by them: pure. */
import { describe, expect, it } from 'vitest';
import { budgetWait, budgetWarnings } from '../../src/costs/budget.js';
import { dayEndsAt, dayOf, type DaySpend } from '../../src/costs/ledger.js';
import { gate } from '../../src/tasks/gate.js';
import { BILLING, desired, NOW, pending, queue, WEBAPP } from '../reconciler/fixtures.js';

const spend = (pool: number, webapp: number): DaySpend => ({
  day: '2023-11-14', endsAt: Date.parse('2023-11-15T00:00:00Z'), pool: { cost: pool, tokens: 0 }, byProject: new Map([[WEBAPP, { cost: webapp, tokens: 0 }]]),
});

describe('day budgets', () => {
  it('finds the end of a day in a time zone, across a daylight-saving change', () => {
    expect(dayOf(Date.parse('2026-12-06T23:30:00Z'), 'Europe/Berlin')).toBe('2026-12-07');
    expect(new Date(dayEndsAt(Date.parse('2026-12-06T12:00:00Z'), 'Europe/Berlin')).toISOString()).toBe('2026-12-06T23:00:00.000Z');
    // 2026-03-29 in Berlin has 23 hours.
    expect(new Date(dayEndsAt(Date.parse('2026-03-29T10:00:00Z'), 'Europe/Berlin')).toISOString()).toBe('2026-03-29T22:00:00.000Z');
  });

  it('holds every task back once the pool\'s day is spent, a project\'s once its own is, and says until when', () => {
    const d = desired(3, 'budgets: { day: { cost: 10 } }');
    d.projects[0]!.budget = { day: { cost: 2, tokens: null } };
    const q = [queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md')] }), queue(BILLING, { pending: [pending(BILLING, 'b.md')] })];
    // Under both: everything starts.
    expect(gate(d, { queues: q, deps: new Map(), now: NOW, spend: spend(1, 1) }).startable).toHaveLength(2);
    // The project's spent: its task waits, the other starts.
    const own = gate(d, { queues: q, deps: new Map(), now: NOW, spend: spend(3, 2.5) });
    expect(own.startable.map((t) => t.name)).toEqual(['b.md']);
    expect(own.waiting.get(q[0]!.pending[0]!.path)).toEqual({ kind: 'budget', text: "the project's budget for 2023-11-14 is spent ($2.50 of $2) until 2023-11-15 00:00 UTC" });
    // The pool's spent: nothing starts.
    const pool = gate(d, { queues: q, deps: new Map(), now: NOW, spend: spend(10.2, 1) });
    expect(pool.startable).toEqual([]);
    expect(budgetWait(d, d.projects[1], spend(10.2, 1))).toBe("the pool's budget for 2023-11-14 is spent ($10.20 of $10) until 2023-11-15 00:00 UTC");
    expect(budgetWarnings(d, spend(10.2, 1))).toEqual(["the pool's budget for 2023-11-14 is spent ($10.20 of $10) until 2023-11-15 00:00 UTC: no new task starts; running tasks finish"]);
    // Without a spend (no budget set): nothing is held back.
    expect(gate(d, { queues: q, deps: new Map(), now: NOW }).startable).toHaveLength(2);
  });
});
