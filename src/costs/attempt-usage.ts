import type { AgentProfile, DesiredState } from '../config/types.js';
import { readFile } from 'node:fs/promises';
import { CLAUDE, claudeUsage, subagentFiles } from './claude-transcript.js';
import { CODEX, codexMessages } from './codex-rollout.js';
import { FileFollower, type LineFold } from './follow.js';
import { geminiMessages } from './gemini-session.js';
import { priceUsage, SHIPPED_PRICES, type PriceTable } from './prices.js';
import type { AttemptUsage, MessageUsage, UnknownUsage } from './usage.js';

/** The price table a config runs with: its own entries (`costs.prices`) first, then the shipped ones. */
export function priceTable(d: DesiredState): PriceTable {
  const own = d.costs.prices;
  return own.length ? { ...SHIPPED_PRICES, date: d.costs.pricesDate ?? SHIPPED_PRICES.date, models: [...own, ...SHIPPED_PRICES.models] } : SHIPPED_PRICES;
}

interface Reader {
  source: string;
  /** The whole session's messages in `window`, or null when its file cannot be read. */
  read: (path: string, window: { from: number; to: number }) => Promise<MessageUsage[] | null>;
  /** For a file read as it grows (LiveUsage): its line fold, and the files of a session (its own first). */
  follow?: { fold: LineFold<unknown>; files: (path: string) => Promise<string[]> };
}

/** Where each driver's CLI writes its usage, and how it is read (docs/costs.md). */
const READERS: Partial<Record<AgentProfile['driver'], Reader>> = {
  'claude-hooks': { source: 'claude transcript', read: claudeUsage, follow: { fold: CLAUDE as LineFold<unknown>, files: async (p) => [p, ...(await subagentFiles(p))] } },
  'codex-hooks': { source: 'codex rollout', read: fromText(codexMessages), follow: { fold: CODEX as LineFold<unknown>, files: async (p) => [p] } },
  // Older versions write the record as one JSON document: read whole.
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
export async function attemptUsage(profile: AgentProfile, a: AttemptFiles, now: number, table: PriceTable): Promise<AttemptUsage | UnknownUsage> {
  const reader = READERS[profile.driver];
  if (!reader) return { unknown: `${profile.name}: agentpool does not read this CLI's usage yet` };
  if (!a.transcriptPath) return { unknown: 'the agent named no session file' };
  const messages = await reader.read(a.transcriptPath, { from: windowStart(a), to: now + 1_000 });
  if (!messages) return { unknown: `${a.transcriptPath} cannot be read` };
  return priceUsage(reader.source, messages, table);
}

/** What finds an attempt's session file and its part of it. */
type AttemptFiles = { transcriptPath: string | null; launchedAt: number | null; claimedAt: number | null };

/** A little slack before the launch: the file's clock is the agent's, written as it goes. */
const windowStart = (a: AttemptFiles): number => (a.launchedAt ?? a.claimedAt ?? 0) - 1_000;

/**
 * A working attempt's usage so far, for its task's cap, looked at every few seconds: Claude Code's
 * transcripts (its own and its subagents') and Codex's rollout are followed as they grow (FileFollower),
 * so each look reads only what was written since the last; Gemini's record is read whole (older versions
 * rewrite it as one document). What `attemptUsage` reads once the attempt ended stays its exact figure.
 */
export class LiveUsage {
  private readonly followers = new Map<string, FileFollower<unknown>>();

  constructor(private readonly profile: AgentProfile, private readonly a: AttemptFiles) {}

  /** Whether this reader is for `a` (the same file, the same attempt). */
  isFor(a: AttemptFiles): boolean {
    return a.transcriptPath === this.a.transcriptPath && windowStart(a) === windowStart(this.a);
  }

  async read(now: number, table: PriceTable): Promise<AttemptUsage | UnknownUsage> {
    const path = this.a.transcriptPath;
    const reader = READERS[this.profile.driver];
    if (!reader?.follow || !path) return attemptUsage(this.profile, this.a, now, table);
    const messages: MessageUsage[] = [];
    for (const [i, file] of (await reader.follow.files(path)).entries()) {
      let f = this.followers.get(file);
      if (!f) this.followers.set(file, (f = new FileFollower(file, reader.follow.fold, { from: windowStart(this.a), to: Infinity })));
      const got = await f.read();
      // The session's own file unreadable is unknown usage; a subagent's, none yet.
      if (!got && i === 0) return { unknown: `${path} cannot be read` };
      for (const m of got ?? []) messages.push(m);
    }
    return priceUsage(reader.source, messages, table);
  }
}
