#!/usr/bin/env node
// plan() cost at the target size: 200 sessions × 10,000 queued tasks (target ≤ 20 ms a pass),
// against a baseline of the same pool with an empty queue, measured in the same process.
// Run: npm run build && node bench/plan.mjs
import { parseConfig } from '../dist/config/parse.js';
import { plan } from '../dist/reconciler/plan.js';

const SESSIONS = Number(process.env.SESSIONS ?? 200);
const TASKS = Number(process.env.TASKS ?? 10_000);
const projects = Array.from({ length: 20 }, (_, i) => `/bench/p${i}`);
const yaml = `tmux: { socket: bench }\npool: { prefix: s-, size: ${SESSIONS}, agent: fake }\nprojects:\n${projects.map((p) => `  - path: ${p}`).join('\n')}\n`;
const r = parseConfig(yaml, '/bench/desired-state.yaml', { HOME: '/root' });
if ('errors' in r) throw new Error(JSON.stringify(r.errors));
const d = r.value;
const now = Date.now();
const names = Array.from({ length: SESSIONS }, (_, i) => `s-${i + 1}`);
const sessions = new Map(names.map((name, i) => [name, {
  name, ref: `$${i}/%${i}`, process: { dead: false, status: null, signal: null }, owned: true, tags: { pool: 's-', slot: String(i + 1) },
  saved: { state: i < 10 ? 'idle' : 'working', task: i < 10 ? '' : `/bench/active/${i}.md`, until: null, agent: i < 10 ? '' : 'fake' },
}]));
// Most slots busy, 10 idle: the realistic steady state with a deep queue.
const views = new Map(names.map((name, i) => [name, { session: name, state: i < 10 ? 'idle' : 'working', task: i < 10 ? null : `/bench/active/${i}.md`, deadline: null, draining: false, verdict: null, agent: i < 10 ? null : 'fake' }]));
const priorities = ['critical', 'high', 'default', 'low'];
function queues(n) {
  return projects.map((project, p) => ({
    project, rejected: [], active: [], settlingUntil: null, settling: [], problems: [],
    pending: Array.from({ length: Math.floor(n / projects.length) }, (_, i) => ({
      path: `${project}/.agent-queue/inbox/t${i}.md`, project, name: `t${i}.md`, priority: priorities[(i + p) % 4], arrivedAt: now - i, attempts: 0, notBefore: 0, where: 'inbox',
    })),
  }));
}
function measure(n, runs = 200) {
  const snap = { now, tmux: { ok: true }, sessions, queues: queues(n), agents: new Map() };
  for (let i = 0; i < 20; i++) plan(d, snap, views); // warm up
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const actions = plan(d, snap, views);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (n > 0 && actions.filter((a) => a.kind === 'claim-task').length !== 10) throw new Error('expected 10 claims');
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(runs / 2)], p99: times[Math.floor(runs * 0.99)] };
}
const base = measure(0);
const full = measure(TASKS);
console.log(`plan(): ${SESSIONS} sessions × 0 tasks (baseline): p50 ${base.p50.toFixed(2)} ms, p99 ${base.p99.toFixed(2)} ms`);
console.log(`plan(): ${SESSIONS} sessions × ${TASKS} tasks:          p50 ${full.p50.toFixed(2)} ms, p99 ${full.p99.toFixed(2)} ms (target ≤ 20 ms)`);
console.log(`ratio to baseline: p50 ×${(full.p50 / base.p50).toFixed(1)}`);
