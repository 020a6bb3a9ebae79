import type { DesiredState, Limit } from '../config/types.js';

/** A task's cap: its own (`agentpool resume --budget`), else budgets.task; null: none. */
export function capOf(d: DesiredState, own: Limit | undefined): Limit | null {
  return own ?? d.budgets.task;
}

/**
 * Why a task that spent `spent` so far (its ended attempts and the working one) is over its cap, or null
 * (pure). Money unknown (a model without a price) is checked by tokens only.
 */
export function overCap(cap: Limit, spent: { cost: number | null; tokens: number }): string | null {
  if (cap.cost !== null && spent.cost !== null && spent.cost >= cap.cost) return `it spent $${spent.cost.toFixed(4)} of its $${cap.cost} cap`;
  if (cap.tokens !== null && spent.tokens >= cap.tokens) return `it spent ${spent.tokens.toLocaleString('en-US')} of its ${cap.tokens.toLocaleString('en-US')} tokens cap`;
  return null;
}
