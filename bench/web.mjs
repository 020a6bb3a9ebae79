#!/usr/bin/env node
// The dashboard under a big pool (issue 28): SIZE sessions (200) of instant agents, TASKS tiny tasks
// through them, and the pool page open in Debian's Chromium (playwright-core). For each transition the
// controller logs into working or cooldown, the time until the page shows that session's tile in that
// state (a MutationObserver in the page notes each tile's change of state): p50 and p99, and how many it
// never showed (a state shorter than the page's updates). The screens of the tiles in view are live
// meanwhile, as a person would see them. Prints; never asserts.
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
  // Tiles are updated in place: each change of a tile's state is one attribute mutation.
  new MutationObserver((records) => {
    const now = Date.now();
    for (const r of records) if (r.attributeName === 'data-state') window.__seen.push([r.target.getAttribute('data-session'), r.target.getAttribute('data-state'), now]);
  }).observe(document.getElementById('sessions'), { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  // Where the time goes: each message of a second stream, with when the controller wrote the status it
  // came from and when the server read it.
  window.__msgs = [];
  let written = 0;
  new EventSource('/api/events').addEventListener('pool', (e) => {
    const d = JSON.parse(e.data);
    if (d.head) written = d.head.controller.writtenAt;
    window.__msgs.push([Date.now(), d.at, written, d.sessions.map((s) => [s.session, s.state])]);
  });
});
await page.waitForFunction(() => document.querySelectorAll('.screen[data-screen="live"]').length > 0, null, { timeout: 30_000 });
const screens = await page.evaluate(() => document.querySelectorAll('.screen[data-screen="live"]').length);
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
// Each transition into working or cooldown, until the session's next transition into that same state: the
// page showed it if a tile took that state within that time (then: how long after the transition), else
// the state was over before the page showed it (then: how long the state lasted: an instant agent works
// for milliseconds, shorter than a person could see, and the page shows the next state instead).
const transitions = c.lines.filter((l) => l.session && l.to && l.time >= t0);
const latencies = [];
const unseen = [];
const parts = { written: [], read: [], got: [] };
const msgs = await page.evaluate(() => window.__msgs);
for (const [i, l] of transitions.entries()) {
  if (l.to !== 'working' && l.to !== 'cooldown') continue;
  const later = transitions.slice(i + 1).filter((x) => x.session === l.session);
  const until = later.find((x) => x.to === l.to)?.time ?? Infinity;
  const ended = later[0]?.time ?? Infinity;
  const hit = (bySession.get(l.session) ?? []).find(([state, at]) => state === l.to && at >= l.time && at < until);
  if (!hit) {
    unseen.push(ended - l.time);
    continue;
  }
  latencies.push(hit[1] - l.time);
  // The same through the second stream: transition → the status file written → the server read it → the page got it.
  const m = msgs.find(([got, , , sessions]) => got >= l.time && got < until && sessions.some(([s, st]) => s === l.session && (label[st] ?? st) === l.to));
  if (!m) continue;
  parts.written.push(m[2] - l.time);
  parts.read.push(m[1] - m[2]);
  parts.got.push(m[0] - m[1]);
}
console.log(`${SIZE} sessions, ${TASKS} tasks of an instant agent, the pool page open in Chromium:`);
console.log(`  transition (working, cooldown) → the page shows it: p50 ${percentile(latencies, 0.5)} ms, p99 ${percentile(latencies, 0.99)} ms, max ${Math.max(...latencies)} ms (n=${latencies.length})`);
console.log(`  states over before the page showed them: ${unseen.length}, lasting p50 ${percentile(unseen, 0.5)} ms, max ${Math.max(...unseen)} ms`);
console.log(`  of which (p50 / p99): transition → status file written ${percentile(parts.written, 0.5)} / ${percentile(parts.written, 0.99)} ms; → the server read it ${percentile(parts.read, 0.5)} / ${percentile(parts.read, 0.99)} ms; → the page got it ${percentile(parts.got, 0.5)} / ${percentile(parts.got, 0.99)} ms`);
console.log(`  meanwhile the screens of the tiles in view were live: ${screens} of them`);
console.log(`  tasks took ${((Date.now() - t0) / 1000).toFixed(1)} s; target: a state change shows within 500 ms (${new Date().toISOString().slice(0, 10)})`);
await browser.close();
web.kill('SIGTERM');
c.child.kill('SIGTERM');
await Promise.all([web, c.child].map((p) => p.catch(() => {})));
await w.cleanup();
