#!/usr/bin/env node
// The dashboard under a big pool (issue 28): SIZE sessions (200) of instant agents, TASKS tiny tasks
// through them, and the pool page open in Debian's Chromium (playwright-core). For each transition the
// controller logs into working or cooldown, the time until the page shows that session's tile in that
// state (a MutationObserver in the page notes when each tile changes): p50 and p99, and how many it never
// showed (a state shorter than the page's updates). Prints; never asserts.
// Run: npm run build && node bench/web.mjs   (SIZE=200 TASKS=400)
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { chromium } from 'playwright-core';
import { ROOT, percentile, until, world } from './lib.mjs';

const SIZE = Number(process.env.SIZE ?? 200);
const TASKS = Number(process.env.TASKS ?? 400);
const exe = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).stdout.trim();
if (!exe) {
  console.log('no chromium here (apt-get install chromium)');
  process.exit(0);
}
const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = s.address();
    s.close(() => resolve(p));
  });
});

const w = world({ size: SIZE, agent: 'instant', prewarm: false, suffix: '' });
const c = w.controller();
await until(() => c.lines.filter((l) => l.to === 'idle').length >= SIZE, `${SIZE} sessions`, 300_000, 50);
const web = execa('node', [join(ROOT, 'bin/agentpool.js'), 'web', '--config', w.configFile, '--listen', `127.0.0.1:${port}`], { reject: false });
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  if (await fetch(`${base}/api/pool`).then((r) => r.ok, () => false)) break;
  if (i > 100) throw new Error('the dashboard did not start');
  await new Promise((r) => setTimeout(r, 100));
}
const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
await page.goto(`${base}/`);
await page.waitForFunction((n) => document.querySelectorAll('[data-session]').length === n, SIZE, { timeout: 60_000 });
await page.evaluate(() => {
  window.__seen = [];
  const note = () => {
    const now = Date.now();
    for (const t of document.querySelectorAll('[data-session]')) window.__seen.push([t.getAttribute('data-session'), t.getAttribute('data-state'), now]);
  };
  new MutationObserver(note).observe(document.getElementById('sessions'), { childList: true });
});
const t0 = Date.now();
for (let i = 0; i < TASKS; i++) w.drop(`w-${i}.md`, `Tiny task ${i}.`);
await until(() => c.lines.filter((l) => l.msg === 'task done').length >= TASKS, `${TASKS} tasks done`, 600_000, 100);
await new Promise((r) => setTimeout(r, 2_000));
const seen = await page.evaluate(() => window.__seen);
const label = { awaitingPrompt: 'awaiting-prompt' };
const bySession = new Map();
for (const [s, state, at] of seen) {
  let list = bySession.get(s);
  if (!list) bySession.set(s, (list = []));
  list.push([label[state] ?? state, at]);
}
const latencies = [];
let missed = 0;
for (const l of c.lines.filter((x) => x.msg === 'transition' || x.to)) {
  if (!l.session || l.time < t0 || (l.to !== 'working' && l.to !== 'cooldown')) continue;
  const hit = (bySession.get(l.session) ?? []).find(([state, at]) => state === l.to && at >= l.time);
  if (hit) latencies.push(hit[1] - l.time);
  else missed++;
}
console.log(`${SIZE} sessions, ${TASKS} tasks of an instant agent, the pool page open in Chromium:`);
console.log(`  transition (working, cooldown) → the page shows it: p50 ${percentile(latencies, 0.5)} ms, p99 ${percentile(latencies, 0.99)} ms (n=${latencies.length}; ${missed} states over before the page showed them)`);
console.log(`  tasks took ${((Date.now() - t0) / 1000).toFixed(1)} s; target: a state change shows within 500 ms (${new Date().toISOString().slice(0, 10)})`);
await browser.close();
web.kill('SIGTERM');
c.child.kill('SIGTERM');
await Promise.all([web, c.child].map((p) => p.catch(() => {})));
await w.cleanup();
