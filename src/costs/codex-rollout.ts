import type { MessageUsage } from './usage.js';
import { foldText, type LineFold } from './follow.js';

/**
 * Codex CLI's usage, from its session rollout (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`, one JSON line
 * per item; docs/costs.md). Pure. Its `token_count` events carry the session's running total
 * (`info.total_token_usage`); each rise of that total is one response's usage, under the model of the
 * last `turn_context`. So an event written twice counts once (the total did not rise), and a resumed
 * session counts only what rose inside `window`. `cached_input_tokens` are part of `input_tokens` (read
 * at the cache price, never on top of the input), and reasoning is part of `output_tokens`.
 */
export function codexMessages(text: string, window: { from: number; to: number } = { from: 0, to: Infinity }): MessageUsage[] {
  return foldText(CODEX, text, window);
}

/** The rollout read line by line (whole, or as it grows: src/costs/follow.ts). */
export const CODEX: LineFold<{ out: MessageUsage[]; model: string; last: { input: number; cached: number; output: number } }> = {
  start: () => ({ out: [], model: 'unknown', last: { input: 0, cached: 0, output: 0 } }),
  line(s, line, window) {
    let e: RolloutItem;
    try {
      e = JSON.parse(line) as RolloutItem;
    } catch {
      return;
    }
    const p = e.payload;
    if (e.type === 'turn_context' && p?.model) s.model = p.model;
    const total = e.type === 'event_msg' && p?.type === 'token_count' ? p.info?.total_token_usage : undefined;
    if (!total) return;
    const now = { input: total.input_tokens ?? 0, cached: total.cached_input_tokens ?? 0, output: total.output_tokens ?? 0 };
    const rise = { input: now.input - s.last.input, cached: now.cached - s.last.cached, output: now.output - s.last.output };
    s.last = now;
    // A fall is a new total (the session restarted its count): nothing to attribute.
    if (rise.input < 0 || rise.output < 0 || (rise.input === 0 && rise.output === 0)) return;
    const at = e.timestamp ? Date.parse(e.timestamp) : NaN;
    if (!Number.isNaN(at) && (at < window.from || at > window.to)) return;
    s.out.push({ model: s.model, tokens: { input: rise.input - rise.cached, output: rise.output, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: rise.cached } });
  },
  messages: (s) => [...s.out],
};

interface RolloutItem {
  timestamp?: string;
  type?: string;
  payload?: {
    type?: string;
    model?: string;
    info?: { total_token_usage?: { input_tokens?: number; cached_input_tokens?: number; output_tokens?: number; reasoning_output_tokens?: number } } | null;
  };
}
