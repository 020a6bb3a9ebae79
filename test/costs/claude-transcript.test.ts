/**
 * Claude Code's usage, counted exactly (src/costs/claude-transcript.ts, prices.ts), one test per counting
 * mistake others made: a message repeated as it streams, subagents' transcripts, 1-hour and 5-minute cache
 * writes priced apart, and a resumed session's earlier messages. Fixture: test/fixtures/costs/claude/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeMessages, claudeUsage } from '../../src/costs/claude-transcript.js';
import { priceUsage, SHIPPED_PRICES, type PriceTable } from '../../src/costs/prices.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'costs', 'claude');
const MAIN = join(DIR, 's1.jsonl');
const WINDOW = { from: Date.parse('2026-12-06T09:59:00Z'), to: Date.parse('2026-12-06T10:10:00Z') };
const SONNET = 'claude-sonnet-4-5-20250929';

describe('Claude Code transcripts', () => {
  it('counts a message written again as it streamed once, by its last copy', () => {
    const messages = claudeMessages(readFileSync(MAIN, 'utf8'), WINDOW);
    const first = messages.find((m) => m.tokens.cacheWrite1h === 20_000)!;
    expect(first.tokens).toEqual({ input: 10, output: 250, cacheWrite5m: 0, cacheWrite1h: 20_000, cacheRead: 0 });
    expect(messages).toHaveLength(2); // the streamed message once, the second one; no synthetic entry
  });

  it('keeps 1-hour cache writes apart from 5-minute ones (a usage without the split counts as 5-minute)', () => {
    const [one, two] = claudeMessages(readFileSync(MAIN, 'utf8'), WINDOW);
    expect([one!.tokens.cacheWrite1h, one!.tokens.cacheWrite5m]).toEqual([20_000, 0]);
    expect([two!.tokens.cacheWrite1h, two!.tokens.cacheWrite5m, two!.tokens.cacheRead]).toEqual([0, 3_000, 20_000]);
    // Priced apart: 20,000 1-hour writes at $6/M, 3,000 5-minute writes at $3.75/M (Sonnet 4.5).
    const u = priceUsage('claude transcript', [one!, two!], SHIPPED_PRICES);
    const expected = (15 * 3 + 650 * 15 + 20_000 * 6 + 3_000 * 3.75 + 20_000 * 0.3) / 1e6;
    expect(u.cost).toBeCloseTo(expected, 9);
    expect(u.byModel[SONNET]).toMatchObject({ input: 15, output: 650, cacheWrite1h: 20_000, cacheWrite5m: 3_000, cacheRead: 20_000 });
  });

  it('adds the subagents\' transcripts beside the session (their own model), each message once', async () => {
    const messages = (await claudeUsage(MAIN, WINDOW))!;
    expect(messages.map((m) => m.model)).toEqual([SONNET, SONNET, 'claude-haiku-4-5-20251001']);
    expect(messages[2]!.tokens).toEqual({ input: 100, output: 80, cacheWrite5m: 1_000, cacheWrite1h: 0, cacheRead: 0 });
    const u = priceUsage('claude transcript', messages, SHIPPED_PRICES);
    expect(Object.keys(u.byModel).sort()).toEqual(['claude-haiku-4-5-20251001', SONNET]);
    expect(u.tokens).toEqual({ input: 115, output: 730, cacheWrite5m: 4_000, cacheWrite1h: 20_000, cacheRead: 20_000 });
    expect(u.prices).toBe('2026-12-06');
  });

  it('counts only the attempt\'s own window: a resumed session\'s earlier messages were counted with their attempt', () => {
    const all = claudeMessages(readFileSync(MAIN, 'utf8'));
    expect(all).toHaveLength(3);
    expect(claudeMessages(readFileSync(MAIN, 'utf8'), WINDOW)).toHaveLength(2);
  });

  it('says unknown, never 0, for a model without a price, and bills a long-context request at its tier', () => {
    const unknown = priceUsage('claude transcript', [{ model: 'claude-next-9', tokens: { input: 10, output: 10, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 } }], SHIPPED_PRICES);
    expect(unknown.cost).toBeNull();
    expect(unknown.byModel['claude-next-9']).toMatchObject({ input: 10, cost: null });
    const long = priceUsage('x', [{ model: SONNET, tokens: { input: 150_000, output: 1_000, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 60_000 } }], SHIPPED_PRICES);
    expect(long.cost).toBeCloseTo((150_000 * 6 + 1_000 * 22.5 + 60_000 * 0.6) / 1e6, 9);
    // A config's own entry comes first.
    const mine: PriceTable = { ...SHIPPED_PRICES, models: [{ model: 'claude-next-*', input: 1, output: 1, cacheWrite5m: 1, cacheWrite1h: 1, cacheRead: 1 }, ...SHIPPED_PRICES.models] };
    expect(priceUsage('x', [{ model: 'claude-next-9', tokens: { input: 1_000_000, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 } }], mine).cost).toBe(1);
  });

  it('takes a model named __proto__ as one more name: nothing of it reaches other objects', () => {
    const tokens = { input: 1, output: 2, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 };
    const u = priceUsage('claude transcript', [{ model: '__proto__', tokens }, { model: 'constructor', tokens }], SHIPPED_PRICES);
    expect(Object.keys(u.byModel).sort()).toEqual(['__proto__', 'constructor']);
    expect(u.tokens).toMatchObject({ input: 2, output: 4 });
    expect(({} as Record<string, unknown>).input).toBeUndefined();
  });
});
