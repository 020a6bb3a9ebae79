/**
 * Codex CLI's rollout and Gemini CLI's session record, counted exactly (src/costs/codex-rollout.ts,
 * gemini-session.ts): a usage event written twice counts once, cached tokens are part of the input (never
 * on top of it), and only the attempt's own window of a resumed session counts.
 */
import { describe, expect, it } from 'vitest';
import { codexMessages } from '../../src/costs/codex-rollout.js';
import { geminiMessages } from '../../src/costs/gemini-session.js';
import { priceUsage, SHIPPED_PRICES } from '../../src/costs/prices.js';

const jsonl = (items: object[]) => items.map((i) => JSON.stringify(i)).join('\n');
const total = (input: number, cached: number, output: number) => ({ input_tokens: input, cached_input_tokens: cached, output_tokens: output, reasoning_output_tokens: Math.floor(output / 2), total_tokens: input + output });
const count = (ts: string, t: object) => ({ timestamp: ts, type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: t, last_token_usage: t, model_context_window: 400_000 } } });

describe('Codex rollouts', () => {
  const rollout = jsonl([
    { timestamp: '2026-12-05T09:00:00Z', type: 'turn_context', payload: { model: 'gpt-5.5', cwd: '/p' } },
    count('2026-12-05T09:00:05Z', total(10_000, 0, 500)), // an earlier attempt (resumed session)
    { timestamp: '2026-12-06T10:00:00Z', type: 'turn_context', payload: { model: 'gpt-5.5', cwd: '/p' } },
    count('2026-12-06T10:00:05Z', total(22_000, 8_000, 900)),
    count('2026-12-06T10:00:05Z', total(22_000, 8_000, 900)), // the same total again (a rate-limit update)
    count('2026-12-06T10:00:09Z', total(40_000, 20_000, 1_500)),
  ]);
  const window = { from: Date.parse('2026-12-06T09:59:00Z'), to: Date.parse('2026-12-06T10:10:00Z') };

  it('counts each rise of the running total once, and nothing before the attempt', () => {
    expect(codexMessages(rollout, window).map((m) => m.tokens)).toEqual([
      { input: 4_000, output: 400, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 8_000 },
      { input: 6_000, output: 600, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 12_000 },
    ]);
  });

  it('keeps cached tokens inside the input: input + cache read is what was sent, priced apart', () => {
    const u = priceUsage('codex rollout', codexMessages(rollout, window), SHIPPED_PRICES);
    expect(u.tokens.input + u.tokens.cacheRead).toBe(40_000 - 10_000);
    // GPT-5.5: $5 input, $0.50 cached input, $30 output per million.
    expect(u.cost).toBeCloseTo((10_000 * 5 + 20_000 * 0.5 + 1_000 * 30) / 1e6, 9);
    expect(Object.keys(u.byModel)).toEqual(['gpt-5.5']);
  });
});

describe('Gemini session records', () => {
  const record = jsonl([
    { id: 'u1', timestamp: '2026-12-06T10:00:00Z', type: 'user', content: 'Fix it' },
    { id: 'g1', timestamp: '2026-12-06T10:00:02Z', type: 'gemini', content: 'Done', model: 'gemini-2.5-flash' },
    // The same message again, now with its tokens: this copy counts.
    { id: 'g1', timestamp: '2026-12-06T10:00:02Z', type: 'gemini', content: 'Done', model: 'gemini-2.5-flash', tokens: { input: 12_000, output: 300, cached: 10_000, thoughts: 200, tool: 50, total: 12_550 } },
    { id: 'g0', timestamp: '2026-12-05T10:00:02Z', type: 'gemini', model: 'gemini-2.5-flash', tokens: { input: 999, output: 999, cached: 0, thoughts: 0, tool: 0, total: 1998 } },
  ]);
  const window = { from: Date.parse('2026-12-06T09:59:00Z'), to: Date.parse('2026-12-06T10:10:00Z') };

  it('counts a message by its last copy, cached tokens inside the input, tool prompts as input and thoughts as output', () => {
    expect(geminiMessages(record, window)).toEqual([
      { model: 'gemini-2.5-flash', tokens: { input: 2_050, output: 500, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 10_000 } },
    ]);
    // Gemini 2.5 Flash: $0.30 input, $0.03 cached, $2.50 output per million.
    expect(priceUsage('gemini session', geminiMessages(record, window), SHIPPED_PRICES).cost).toBeCloseTo((2_050 * 0.3 + 10_000 * 0.03 + 500 * 2.5) / 1e6, 9);
  });

  it('reads the older single-document record too', () => {
    const doc = JSON.stringify({ sessionId: 's', messages: [{ id: 'g1', timestamp: '2026-12-06T10:00:02Z', type: 'gemini', model: 'gemini-2.5-pro', tokens: { input: 100, output: 10, cached: 0 } }] });
    expect(geminiMessages(doc, window)).toEqual([{ model: 'gemini-2.5-pro', tokens: { input: 100, output: 10, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 } }]);
  });
});
