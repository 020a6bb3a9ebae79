import type { MessageUsage } from './usage.js';

/**
 * Gemini CLI's usage, from its session record (`~/.gemini/tmp/<project>/chats/session-*.jsonl`; older
 * versions one JSON document with `messages`; docs/costs.md). Pure. Each `gemini` message gets its
 * `tokens` in a later copy of the record (same `id`): the last copy counts. `tokens.input` includes the
 * `cached` tokens (read at the cache price, not on top), `tool` prompt tokens are input too, and
 * `thoughts` are billed as output.
 */
export function geminiMessages(text: string, window: { from: number; to: number } = { from: 0, to: Infinity }): MessageUsage[] {
  const records: GeminiMessage[] = [];
  const whole = text.trimStart().startsWith('{') && !text.trim().includes('\n') ? tryParse(text) : null;
  if (whole && Array.isArray((whole as { messages?: unknown }).messages)) records.push(...(whole as { messages: GeminiMessage[] }).messages);
  else {
    for (const line of text.split('\n')) {
      const r = line.trim() ? (tryParse(line) as GeminiMessage | null) : null;
      if (r) records.push(r);
    }
  }
  const byId = new Map<string, MessageUsage>();
  for (const m of records) {
    if (m.type !== 'gemini' || !m.tokens || !m.id) continue;
    const at = m.timestamp ? Date.parse(m.timestamp) : NaN;
    if (!Number.isNaN(at) && (at < window.from || at > window.to)) continue;
    const t = m.tokens;
    const cached = t.cached ?? 0;
    byId.set(m.id, {
      model: m.model ?? 'unknown',
      tokens: { input: (t.input ?? 0) - cached + (t.tool ?? 0), output: (t.output ?? 0) + (t.thoughts ?? 0), cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: cached },
    });
  }
  return [...byId.values()];
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

interface GeminiMessage {
  id?: string;
  timestamp?: string;
  type?: string;
  model?: string;
  tokens?: { input?: number; output?: number; cached?: number; thoughts?: number; tool?: number; total?: number };
}
