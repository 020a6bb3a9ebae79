import { NO_TOKENS, type AttemptUsage, type MessageUsage, type Tokens } from './usage.js';

/** Prices per million tokens. `above`: the tier a request is billed at once its input passes `tokens`. */
export interface ModelPrice {
  /** The model ids it prices: `*` matches anything (`claude-sonnet-4-5*`). The first match wins. */
  model: string;
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  above?: { tokens: number; input: number; output: number; cacheWrite5m: number; cacheWrite1h: number; cacheRead: number };
}

export interface PriceTable {
  /** When the prices were taken: every record names it. */
  date: string;
  currency: string;
  models: ModelPrice[];
}

const anthropic = (model: string, input: number, output: number, above?: { tokens: number; input: number; output: number }): ModelPrice => ({
  // Anthropic: 5-minute cache writes 1.25× the input price, 1-hour ones 2×, cache reads 0.1×.
  model, input, output, cacheWrite5m: input * 1.25, cacheWrite1h: input * 2, cacheRead: input / 10,
  ...(above ? { above: { tokens: above.tokens, input: above.input, output: above.output, cacheWrite5m: above.input * 1.25, cacheWrite1h: above.input * 2, cacheRead: above.input / 10 } } : {}),
});
const cachedAt = (model: string, input: number, output: number, cacheRead: number, above?: { tokens: number; input: number; output: number; cacheRead: number }): ModelPrice => ({
  // OpenAI and Google bill no cache writes; their cached input is read at `cacheRead`.
  model, input, output, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead,
  ...(above ? { above: { ...above, cacheWrite5m: 0, cacheWrite1h: 0 } } : {}),
});

/**
 * List prices (USD per million tokens) of the models the shipped profiles use, as published on the vendors'
 * pricing pages when taken (docs/costs.md says where). A config's `costs.prices` come first.
 */
export const SHIPPED_PRICES: PriceTable = {
  date: '2026-12-06',
  currency: 'USD',
  models: [
    anthropic('claude-opus-4-1*', 15, 75),
    anthropic('claude-opus-4-2025*', 15, 75),
    anthropic('claude-opus-4*', 5, 25),
    anthropic('claude-sonnet-4-6*', 3, 15),
    anthropic('claude-sonnet-4*', 3, 15, { tokens: 200_000, input: 6, output: 22.5 }),
    anthropic('claude-haiku-4*', 1, 5),
    anthropic('claude-3-5-haiku*', 0.8, 4),
    cachedAt('gpt-5.5*', 5, 30, 0.5, { tokens: 272_000, input: 10, output: 45, cacheRead: 1 }),
    cachedAt('gpt-5-mini*', 0.25, 2, 0.025),
    cachedAt('gpt-5*', 1.25, 10, 0.125),
    cachedAt('gemini-2.5-pro*', 1.25, 10, 0.125, { tokens: 200_000, input: 2.5, output: 15, cacheRead: 0.25 }),
    cachedAt('gemini-2.5-flash-lite*', 0.1, 0.4, 0.01),
    cachedAt('gemini-2.5-flash*', 0.3, 2.5, 0.03),
  ],
};

/** The price of `model`: the first entry whose pattern matches, or null (an unknown model: tokens only). */
export function priceOf(table: PriceTable, model: string): ModelPrice | null {
  return table.models.find((p) => globMatch(p.model, model)) ?? null;
}

/**
 * An attempt's messages summed by model and priced (pure): each message at its tier (its input, cache
 * writes and reads past a price's `above.tokens`: the long-context rate). A model without a price counts
 * its tokens and makes the total cost null: unknown, never 0.
 */
export function priceUsage(source: string, messages: readonly MessageUsage[], table: PriceTable): AttemptUsage {
  // A Map: a model's name is the transcript's (the agent's) text, and `__proto__` must be one more name.
  const byModel = new Map<string, AttemptUsage['byModel'][string]>();
  const tokens = { ...NO_TOKENS };
  let cost: number | null = 0;
  // A model's price found once per call: a transcript has thousands of messages of two or three models.
  const prices = new Map<string, ModelPrice | null>();
  for (const m of messages) {
    let price = prices.get(m.model);
    if (price === undefined) prices.set(m.model, (price = priceOf(table, m.model)));
    let sum = byModel.get(m.model);
    if (!sum) byModel.set(m.model, (sum = { ...NO_TOKENS, cost: price ? 0 : null }));
    const c = price ? costOf(m.tokens, price) : null;
    addInto(sum, m.tokens);
    sum.cost = sum.cost === null || c === null ? null : sum.cost + c;
    addInto(tokens, m.tokens);
    cost = cost === null || c === null ? null : cost + c;
  }
  return { source, messages: messages.length, tokens, byModel: Object.fromEntries(byModel), cost: cost === null ? null : round(cost), prices: table.date };
}

/** Adds `t` to `into`, in place (a sum over thousands of messages makes no object per message). */
function addInto(into: Tokens, t: Tokens): void {
  into.input += t.input;
  into.output += t.output;
  into.cacheWrite5m += t.cacheWrite5m;
  into.cacheWrite1h += t.cacheWrite1h;
  into.cacheRead += t.cacheRead;
}

function costOf(t: Tokens, p: ModelPrice): number {
  const prompt = t.input + t.cacheWrite5m + t.cacheWrite1h + t.cacheRead;
  const r = p.above && prompt > p.above.tokens ? p.above : p;
  return (t.input * r.input + t.output * r.output + t.cacheWrite5m * r.cacheWrite5m + t.cacheWrite1h * r.cacheWrite1h + t.cacheRead * r.cacheRead) / 1_000_000;
}

/** To a millionth of the currency: sums of many small floats stay exact enough, and read as written. */
const round = (n: number): number => Math.round(n * 1e6) / 1e6;

function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(s);
}

