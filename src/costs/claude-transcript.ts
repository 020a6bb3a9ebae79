import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MessageUsage, Tokens } from './usage.js';
import { foldText, type LineFold } from './follow.js';

/**
 * Claude Code's usage, from its transcript (`~/.claude/projects/<cwd>/<session>.jsonl`: one JSON line per
 * entry; docs/costs.md): every `assistant` entry carries its API message's `id`, `model` and `usage`. Pure.
 * - A message is written again for each content block it streams (same `id`): the last copy is the true one.
 * - Cache writes split by lifetime (`usage.cache_creation.ephemeral_5m_input_tokens` and `…_1h_…`); a
 *   version without that split counts `cache_creation_input_tokens` as 5-minute writes.
 * - Only entries from `from` to `to` (epoch ms, by their `timestamp`) count: a resumed session's transcript
 *   holds the earlier attempts' messages too, already counted with them.
 */
export function claudeMessages(text: string, window: { from: number; to: number } = { from: 0, to: Infinity }): MessageUsage[] {
  return foldText(CLAUDE, text, window);
}

/** The transcript read line by line (whole, or as it grows: src/costs/follow.ts): its messages by id. */
export const CLAUDE: LineFold<{ byId: Map<string, MessageUsage>; anonymous: number }> = {
  start: () => ({ byId: new Map(), anonymous: 0 }),
  line(s, line, window) {
    let e: ClaudeEntry;
    try {
      e = JSON.parse(line) as ClaudeEntry;
    } catch {
      return; // a line being written as it is read
    }
    const m = e.message;
    if (e.type !== 'assistant' || !m?.usage || !m.model || m.model === '<synthetic>') return;
    const at = e.timestamp ? Date.parse(e.timestamp) : NaN;
    if (!Number.isNaN(at) && (at < window.from || at > window.to)) return;
    const u = m.usage;
    const created = u.cache_creation_input_tokens ?? 0;
    const split = u.cache_creation;
    const w1h = split?.ephemeral_1h_input_tokens ?? 0;
    const w5m = split ? split.ephemeral_5m_input_tokens ?? Math.max(0, created - w1h) : created;
    const tokens: Tokens = { input: u.input_tokens ?? 0, output: u.output_tokens ?? 0, cacheWrite5m: w5m, cacheWrite1h: w1h, cacheRead: u.cache_read_input_tokens ?? 0 };
    s.byId.set(m.id ?? `#${s.anonymous++}`, { model: m.model, tokens });
  },
  messages: (s) => [...s.byId.values()],
};

/**
 * Every message of a Claude Code session in its window: the main transcript and its subagents'
 * (`<session>/subagents/**\/agent-*.jsonl` beside it). Null when the transcript cannot be read.
 */
export async function claudeUsage(transcriptPath: string, window: { from: number; to: number }): Promise<MessageUsage[] | null> {
  const main = await readFile(transcriptPath, 'utf8').catch(() => null);
  if (main === null) return null;
  const messages = claudeMessages(main, window);
  for (const file of await subagentFiles(transcriptPath)) {
    const text = await readFile(file, 'utf8').catch(() => '');
    messages.push(...claudeMessages(text, window));
  }
  return messages;
}

/** The transcripts of a session's subagents, beside its own (`<session>/subagents/**\/agent-*.jsonl`). */
export function subagentFiles(transcriptPath: string): Promise<string[]> {
  return filesUnder(join(transcriptPath.replace(/\.jsonl$/, ''), 'subagents'));
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(path)));
    else if (/^agent-.+\.jsonl$/.test(e.name)) out.push(path);
  }
  return out.sort();
}

interface ClaudeEntry {
  type?: string;
  timestamp?: string;
  message?: {
    id?: string;
    model?: string;
    usage?: {
      input_tokens?: number;
      output_tokens?: number;
      cache_creation_input_tokens?: number;
      cache_read_input_tokens?: number;
      cache_creation?: { ephemeral_5m_input_tokens?: number; ephemeral_1h_input_tokens?: number };
    };
  };
}
