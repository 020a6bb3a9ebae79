import type { AgentProfile, DesiredState } from '../config/types.js';
import { readFile } from 'node:fs/promises';
import { claudeUsage } from './claude-transcript.js';
import { codexMessages } from './codex-rollout.js';
import { geminiMessages } from './gemini-session.js';
import { priceUsage, SHIPPED_PRICES, type PriceTable } from './prices.js';
import type { AttemptUsage, MessageUsage, UnknownUsage } from './usage.js';

/** The price table a config runs with: its own entries (`costs.prices`) first, then the shipped ones. */
export function priceTable(d: DesiredState): PriceTable {
  const own = d.costs.prices;
  return own.length ? { ...SHIPPED_PRICES, date: d.costs.pricesDate ?? SHIPPED_PRICES.date, models: [...own, ...SHIPPED_PRICES.models] } : SHIPPED_PRICES;
}

/** Where each driver's CLI writes its usage, and how it is read (docs/costs.md). */
const READERS: Partial<Record<AgentProfile['driver'], { source: string; read: (path: string, window: { from: number; to: number }) => Promise<MessageUsage[] | null> }>> = {
  'claude-hooks': { source: 'claude transcript', read: claudeUsage },
  'codex-hooks': { source: 'codex rollout', read: fromText(codexMessages) },
  'gemini-hooks': { source: 'gemini session', read: fromText(geminiMessages) },
};

/** A reader of one file: its text parsed, or null when it cannot be read. */
function fromText(parse: (text: string, window: { from: number; to: number }) => MessageUsage[]) {
  return async (path: string, window: { from: number; to: number }): Promise<MessageUsage[] | null> => {
    const text = await readFile(path, 'utf8').catch(() => null);
    return text === null ? null : parse(text, window);
  };
}

/**
 * What one attempt consumed, read from what its CLI wrote (docs/costs.md) between its launch and `now`:
 * the session file its hooks named (Claude Code's transcript, which the fake agent writes too; Codex's
 * rollout; Gemini's session record). A CLI whose usage agentpool cannot read says so.
 */
export async function attemptUsage(
  profile: AgentProfile, a: { transcriptPath: string | null; launchedAt: number | null; claimedAt: number | null }, now: number, table: PriceTable,
): Promise<AttemptUsage | UnknownUsage> {
  const reader = READERS[profile.driver];
  if (!reader) return { unknown: `${profile.name}: agentpool does not read this CLI's usage yet` };
  if (!a.transcriptPath) return { unknown: 'the agent named no session file' };
  // A little slack on both ends: the file's clock is the agent's, written as it goes.
  const from = (a.launchedAt ?? a.claimedAt ?? 0) - 1_000;
  const messages = await reader.read(a.transcriptPath, { from, to: now + 1_000 });
  if (!messages) return { unknown: `${a.transcriptPath} cannot be read` };
  return priceUsage(reader.source, messages, table);
}
