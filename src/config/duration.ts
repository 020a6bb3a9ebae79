/**
 * Durations in the config are strings like "500ms", "30s", "5m", "2h". The schema's pattern
 * (^[0-9]+(ms|s|m|h)$) has already rejected anything else by the time this runs, so this stays a small
 * hand-written parser instead of pulling in a library that accepts far more forms than the schema allows.
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^([0-9]+)(ms|s|m|h)$/;

/** `parseDuration("30s") → 30000`. Throws on text the schema would have rejected (a bug, not user input). */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new Error(`not a duration: ${JSON.stringify(text)}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}
