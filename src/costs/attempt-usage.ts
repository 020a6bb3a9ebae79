import type { AgentProfile, DesiredState } from '../config/types.js';
import { claudeUsage } from './claude-transcript.js';
import { priceUsage, SHIPPED_PRICES, type PriceTable } from './prices.js';
import type { AttemptUsage, UnknownUsage } from './usage.js';

/** The price table a config runs with: its own entries (`costs.prices`) first, then the shipped ones. */
export function priceTable(d: DesiredState): PriceTable {
  const own = d.costs.prices;
  return own.length ? { ...SHIPPED_PRICES, date: d.costs.pricesDate ?? SHIPPED_PRICES.date, models: [...own, ...SHIPPED_PRICES.models] } : SHIPPED_PRICES;
}

/**
 * What one attempt consumed, read from what its CLI wrote (docs/costs.md), between its launch and `now`:
 * Claude Code's transcript for the profiles that drive it by its hooks (the fake agent writes one too).
 * A CLI whose usage agentpool cannot read yet says so.
 */
export async function attemptUsage(
  profile: AgentProfile, a: { transcriptPath: string | null; launchedAt: number | null; claimedAt: number | null }, now: number, table: PriceTable,
): Promise<AttemptUsage | UnknownUsage> {
  if (profile.driver !== 'claude-hooks') return { unknown: `${profile.name}: agentpool does not read this CLI's usage yet` };
  if (!a.transcriptPath) return { unknown: 'the agent named no transcript' };
  // A little slack on both ends: the transcript's clock is the agent's, written as it goes.
  const from = (a.launchedAt ?? a.claimedAt ?? 0) - 1_000;
  const messages = await claudeUsage(a.transcriptPath, { from, to: now + 1_000 });
  if (!messages) return { unknown: `the transcript ${a.transcriptPath} cannot be read` };
  return priceUsage('claude transcript', messages, table);
}
