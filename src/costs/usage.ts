/**
 * What an attempt consumed, as its agent CLI wrote it down (issue 27): tokens by kind, by the model that
 * actually answered, and what they cost by the price table (src/costs/prices.ts).
 */
export interface Tokens {
  input: number;
  output: number;
  /** Cache writes kept 5 minutes and 1 hour: priced apart (1.25× and 2× the input price at Anthropic). */
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

/** One API response's usage: the unit a price's long-context tier applies to. */
export interface MessageUsage {
  model: string;
  tokens: Tokens;
}

/** An attempt's usage as its record keeps it; `cost` null where a model has no price. */
export interface AttemptUsage {
  /** Where it was read: `claude transcript`, ... */
  source: string;
  messages: number;
  tokens: Tokens;
  byModel: Record<string, Tokens & { cost: number | null }>;
  cost: number | null;
  /** The date of the price table the cost comes from. */
  prices: string;
}

export const NO_TOKENS: Tokens = Object.freeze({ input: 0, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 });

export function addTokens(a: Tokens, b: Tokens): Tokens {
  return {
    input: a.input + b.input, output: a.output + b.output, cacheWrite5m: a.cacheWrite5m + b.cacheWrite5m,
    cacheWrite1h: a.cacheWrite1h + b.cacheWrite1h, cacheRead: a.cacheRead + b.cacheRead,
  };
}

export const totalTokens = (t: Tokens): number => t.input + t.output + t.cacheWrite5m + t.cacheWrite1h + t.cacheRead;

/** An attempt whose usage could not be read: said so, never counted as 0. */
export interface UnknownUsage {
  unknown: string;
}

/** What a task consumed across its attempts (its record's `usage`): the attempts whose usage is known. */
export interface TaskUsage {
  tokens: Tokens;
  /** null when an attempt's model has no price. */
  cost: number | null;
  /** The attempts counted, and those whose usage is unknown. */
  attempts: number;
  unknown: number;
  prices: string | null;
}

/** The task's usage from its attempts' (pure): known ones summed, unknown ones counted apart. */
export function taskUsage(attempts: ReadonlyArray<AttemptUsage | UnknownUsage | undefined>): TaskUsage | undefined {
  const seen = attempts.filter((u): u is AttemptUsage | UnknownUsage => !!u);
  if (!seen.length) return undefined;
  const known = seen.filter((u): u is AttemptUsage => !('unknown' in u));
  let cost: number | null = known.length ? 0 : null;
  for (const u of known) cost = cost === null || u.cost === null ? null : Math.round((cost + u.cost) * 1e6) / 1e6;
  return {
    tokens: known.reduce((t, u) => addTokens(t, u.tokens), NO_TOKENS), cost, attempts: known.length, unknown: seen.length - known.length,
    prices: known.at(-1)?.prices ?? null,
  };
}
