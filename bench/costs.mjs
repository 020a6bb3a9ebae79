#!/usr/bin/env node
// What a task cap's look costs (issue 27's leftover): a working Claude Code session's transcript of SIZE MB
// (assistant messages with usage, as Claude Code writes them), and a look every 2 s after a few new lines.
// Reading the whole file each time (what the cap check did) against following it as it grows
// (src/costs/follow.ts: only the new bytes), median ms per look over N looks, in this one process. Asserts
// nothing.
//
//   npm run build && node bench/costs.mjs     SIZE=20 N=20
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib.mjs';

const SIZE = Number(process.env.SIZE ?? 20);
const N = Number(process.env.N ?? 20);
const { LiveUsage, attemptUsage } = await import(pathToFileURL(join(ROOT, 'dist/costs/attempt-usage.js')).href);
const { mergeAgents } = await import(pathToFileURL(join(ROOT, 'dist/config/agents.js')).href);
const { SHIPPED_PRICES } = await import(pathToFileURL(join(ROOT, 'dist/costs/prices.js')).href);

const dir = mkdtempSync(join(tmpdir(), 'agentpool-bench-costs-'));
const file = join(dir, 's.jsonl');
let n = 0;
const line = () => `${JSON.stringify({ type: 'assistant', timestamp: new Date().toISOString(), message: { id: `msg_${n++}`, model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'x'.repeat(1500) }], usage: { input_tokens: 10, output_tokens: 200, cache_read_input_tokens: 20000, cache_creation_input_tokens: 500 } } })}\n`;
const lines = [];
for (let bytes = 0; bytes < SIZE * 1024 * 1024; ) {
  const l = line();
  lines.push(l);
  bytes += l.length;
}
writeFileSync(file, lines.join(''));
const profile = mergeAgents().claude;
const a = { transcriptPath: file, launchedAt: Date.now() - 3_600_000, claimedAt: null };
const live = new LiveUsage(profile, a);
await live.read(Date.now(), SHIPPED_PRICES); // the first look reads it all, as the whole read does
const whole = [];
const follow = [];
let same = true;
for (let i = 0; i < N; i++) {
  appendFileSync(file, line() + line() + line());
  let t = performance.now();
  const w = await attemptUsage(profile, a, Date.now() + 1_000, SHIPPED_PRICES);
  whole.push(performance.now() - t);
  t = performance.now();
  const f = await live.read(Date.now() + 1_000, SHIPPED_PRICES);
  follow.push(performance.now() - t);
  same &&= JSON.stringify(w) === JSON.stringify(f);
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log(`a task cap's look at a ${SIZE} MB Claude Code transcript (${n} messages), 3 new lines between looks, ${N} looks:`);
console.log(`  whole file each look     median ${median(whole).toFixed(1).padStart(7)} ms`);
console.log(`  followed as it grows     median ${median(follow).toFixed(1).padStart(7)} ms  (×${(median(whole) / median(follow)).toFixed(0)} faster; the same usage each time: ${same})`);
rmSync(dir, { recursive: true, force: true });
