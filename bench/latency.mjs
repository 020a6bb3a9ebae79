#!/usr/bin/env node
// Dispatch latency (issue 12, bench 1 and 2): task file renamed into the inbox → prompt received by the fake
// agent (its own timestamp), one task at a time so queueing does not count; for the exec and control-mode
// transports, with prewarm off (a fresh agent per task) and on (a warm agent at its prompt), and for a project
// with isolation: worktree (its warm agent waits in a worktree made ahead; the task gets its branch at the
// claim) on the control transport. Then the older
// dispatcher's sequence against the same fake agent, in the same run, and the ratios. Prints; never asserts.
// Run: npm run build && node bench/latency.mjs   (TASKS=200 per combination, OLD_TASKS=20)
import { basename } from 'node:path';
import { olderDispatcher } from './older-dispatcher.mjs';
import { percentile, spread, until, world } from './lib.mjs';

const N = Number(process.env.TASKS ?? 200);
const OLD_N = Number(process.env.OLD_TASKS ?? 20);

async function ours({ transport, prewarm, isolation = 'none' }) {
  const w = world({ size: 4, transport, prewarm, isolation, agentEnv: { FAKE_AGENT_WORK_MS: 20 } });
  const c = w.controller();
  const count = (pred) => c.lines.filter(pred).length;
  const ready = () => count((l) => l.to === 'ready') - count((l) => l.msg === 'claimed task' && l.warmAgent);
  const free = prewarm ? () => ready() > 0 : () => count((l) => l.to === 'idle') - count((l) => l.msg === 'claimed task') > 0;
  await until(free, 'a free session', 60_000);
  const dropped = new Map();
  for (let i = 0; i < N; i++) {
    await until(() => count((l) => l.msg === 'task done') === i && free(), `task ${i - 1} done and a free session`, 60_000);
    const name = `lat-${i}.md`;
    dropped.set(`Latency task ${i}.`, Date.now());
    w.drop(name, `Latency task ${i}.\n`);
  }
  await until(() => count((l) => l.msg === 'task done') === N, 'the last task', 60_000);
  const key = (p) => p.prompt.match(/Latency task \d+\./)[0];
  const latencies = w.prompts().map((p) => Date.parse(p.ts) - dropped.get(key(p)));
  // Where it goes: the file landing → the claim (the watcher, the loop, a pass), the claim → the prompt.
  const claimedAt = new Map(c.lines.filter((l) => l.msg === 'claimed task').map((l) => [String(l.task).match(/lat-(\d+)\.md$/)[1], l.time]));
  const toClaim = [...dropped].map(([text, t0], i) => claimedAt.get(String(i)) - t0);
  const claimToPrompt = w.prompts().map((p) => Date.parse(p.ts) - claimedAt.get(key(p).match(/\d+/)[0]));
  const warm = count((l) => l.msg === 'submitted task' && l.warmAgent);
  c.child.kill('SIGTERM');
  await c.child;
  await w.cleanup();
  return { latencies, warm, toClaim, claimToPrompt };
}

const rows = [];
const only = process.env.ONLY; // e.g. ONLY=control-on, ONLY=control-on-worktree
const combinations = [
  ...['exec', 'control'].flatMap((transport) => [false, true].map((prewarm) => ({ transport, prewarm, isolation: 'none' }))),
  { transport: 'control', prewarm: true, isolation: 'worktree' },
];
for (const { transport, prewarm, isolation } of combinations) {
  const name = `${transport}-${prewarm ? 'on' : 'off'}${isolation === 'worktree' ? '-worktree' : ''}`;
  if (only && only !== name) continue;
  const r = await ours({ transport, prewarm, isolation });
  rows.push({ transport, prewarm, isolation, ...r });
  const what = `${transport} transport, prewarm ${prewarm ? 'on ' : 'off'}${isolation === 'worktree' ? ', isolation: worktree' : ''}`;
  console.log(`ours, ${what}: ${spread(r.latencies)}${prewarm ? ` (${r.warm} of ${N} to a warm agent)` : ''}`);
  console.log(`  file → claimed ${spread(r.toClaim)}; claimed → prompt received ${spread(r.claimToPrompt)}`);
}
const w = world({ size: 0 });
const old = await olderDispatcher({ socket: w.socket, project: w.project, n: OLD_N, fakeLog: w.fakeLog, prompts: () => w.prompts() });
await w.cleanup();
console.log(`older dispatcher's sequence, same fake agent: ${spread(old)}`);
const oldP50 = percentile(old, 0.5);
for (const r of rows) {
  const p50 = percentile(r.latencies, 0.5);
  console.log(`ratio, older p50 / ours p50 (${r.transport}, prewarm ${r.prewarm ? 'on' : 'off'}${r.isolation === 'worktree' ? ', worktree' : ''}): ${(oldP50 / Math.max(1, p50)).toFixed(1)}×`);
}
console.log(`targets: prewarm p50 ≤ 30 ms, p99 ≤ 100 ms, ≥ 30× faster than the older sequence (${basename(import.meta.url)}, ${new Date().toISOString().slice(0, 10)})`);
