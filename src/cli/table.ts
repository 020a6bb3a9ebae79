/** Columns padded to their widest cell, two spaces apart, as kubectl prints them. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

/** A duration as people read it in a table: `45s`, `12m`, `3h`, `2d`. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 120 * 60) return `${Math.round(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

/** A short duration to the tenth of a second (`350ms`, `1.4s`), longer ones as shortDuration. */
export function preciseDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return shortDuration(ms);
}

/** A text on one table line: its first line, cut at `n` characters. */
export function oneLine(text: string, n: number): string {
  const first = text.split('\n')[0]!;
  return first.length > n ? `${first.slice(0, n - 1)}…` : first;
}
