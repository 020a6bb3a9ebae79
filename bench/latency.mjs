#!/usr/bin/env node
// Task file renamed into the inbox → task submitted (verified) to an agent, with a pool of 4 fake agents.
// agentpool starts a fresh agent per task, so this includes the agent's start-up (node, ~0.1–0.3 s): the
// The target (p50 ≤ 50 ms "to a ready agent") is printed next to the part agentpool controls
// (file → claimed). Baseline, same process: one `tmux` command spawned per call.
// Run: npm run build && node bench/latency.mjs
import { execa } from 'execa';
import { basename } from 'node:path';
import { percentile, sleep, world } from './lib.mjs';

const N = Number(process.env.TASKS ?? 40);
const w = world({ size: 4, agentEnv: { FAKE_AGENT_WORK_MS: 50 } });
const c = w.controller();
while (!c.lines.some((l) => l.to === 'idle')) await sleep(20);
const written = new Map();
for (let i = 0; i < N; i++) {
  // One task at a time, each when a session is idle, so queueing does not count.
  while (c.lines.filter((l) => l.msg === 'task done').length < i) await sleep(5);
  await sleep(50);
  const name = `lat-${i}.md`;
  written.set(name, Date.now());
  w.drop(name, `Latency task ${i}\n`);
}
while (c.lines.filter((l) => l.msg === 'task done').length < N) await sleep(20);
const at = (msg, name) => c.lines.find((l) => l.msg === msg && basename(String(l.task)) === name)?.time;
const claim = [], submit = [];
for (const [name, t0] of written) {
  claim.push(at('claimed task', name) - t0);
  submit.push(at('submitted task', name) - t0);
}
const tmuxOne = [];
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  await execa('tmux', ['-L', w.socket, 'display-message', '-p', 'x']);
  tmuxOne.push(performance.now() - t0);
}
c.child.kill('SIGTERM');
await c.child;
await w.cleanup();
const b = percentile(tmuxOne, 0.5);
console.log(`baseline: one tmux command spawned: p50 ${b.toFixed(1)} ms`);
console.log(`file → claimed:   p50 ${percentile(claim, 0.5)} ms, p99 ${percentile(claim, 0.99)} ms (×${(percentile(claim, 0.5) / b).toFixed(1)} baseline)`);
console.log(`file → submitted: p50 ${percentile(submit, 0.5)} ms, p99 ${percentile(submit, 0.99)} ms (×${(percentile(submit, 0.5) / b).toFixed(1)} baseline; includes a fresh agent's start-up)`);
