#!/usr/bin/env node
// The long chaos run: TASKS tasks (default 200), a pool of 4 fake agents, the controller SIGKILLed KILLS
// times (default 50) at random moments, its tmux server told to exit within 0.3 s before every
// SERVER_EVERY-th kill (default 3; 0: never), then left to finish. Prints how many tasks ran more than once
// and whether each such task's record says so (the policy), the longest stretch with tasks queued and
// none taken, and how long recovery took.
// Run: npm run build && node bench/chaos.mjs     (KILLS=100 TASKS=500 SEED=1 node bench/chaos.mjs)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { sleep, world } from './lib.mjs';

const TASKS = Number(process.env.TASKS ?? 200);
const KILLS = Number(process.env.KILLS ?? 50);
const SERVER_EVERY = Number(process.env.SERVER_EVERY ?? 3);
let seed = Number(process.env.SEED ?? Date.now() % 100_000);
const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const w = world({ size: 4, agentEnv: { FAKE_AGENT_WORK_MS: 120 } });
for (let i = 0; i < TASKS; i++) w.drop(`c-${i}.md`, `Chaos task ${i}\n`);
const t0 = Date.now();
const list = (dir) => { try { return readdirSync(join(w.project, '.agent-queue', dir)).filter((n) => n.endsWith('.md')); } catch { return []; } };
const done = () => list('done');
// The longest stretch with tasks in the inbox and the set of taken tasks (active and done) unchanged.
let last = { taken: '', at: Date.now() }, stall = 0, stallFrom = 0;
const watch = setInterval(() => {
  const taken = [...list('active'), ...done()].sort().join();
  if (taken !== last.taken || list('inbox').length === 0) last = { taken, at: Date.now() };
  if (Date.now() - last.at > stall) [stall, stallFrom] = [Date.now() - last.at, last.at - t0];
}, 1_000);
for (let k = 0; k < KILLS; k++) {
  const c = w.controller();
  await sleep(200 + random() * 1500);
  if (SERVER_EVERY > 0 && k % SERVER_EVERY === SERVER_EVERY - 1) {
    void execa('tmux', ['-L', w.socket, 'kill-server'], { reject: false });
    await sleep(random() * 300);
  }
  c.child.kill('SIGKILL');
  await c.child;
}
const killsEnded = Date.now() - t0;
const c = w.controller();
while (done().length < TASKS && Date.now() - t0 < 30 * 60_000) await sleep(250);
clearInterval(watch);
c.child.kill('SIGTERM');
await c.child;
const prompts = readFileSync(join(w.dir, 'fake-agent.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).prompt);
let twice = 0, unexplained = 0;
for (const name of done()) {
  const n = prompts.filter((p) => p.startsWith(`[${name}]`)).length;
  if (n > 1) {
    twice++;
    const rec = readFileSync(join(w.project, '.agent-queue', 'done', `${name}.result.json`), 'utf8');
    if (!/may have run twice|went away while the agent was working/.test(rec)) unexplained++;
  }
}
const failed = list('failed').length;
if (process.env.LOG) writeFileSync(process.env.LOG, c.lines.map((l) => JSON.stringify(l)).join('\n'));
console.log(`seed ${process.env.SEED ?? '(time)'}; ${KILLS} SIGKILLs (${SERVER_EVERY ? Math.floor(KILLS / SERVER_EVERY) : 0} with the tmux server told to exit), ${TASKS} tasks, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`longest stretch with tasks queued and none taken: ${(stall / 1000).toFixed(0)} s from ${(stallFrom / 1000).toFixed(0)} s in (the kills ended at ${(killsEnded / 1000).toFixed(0)} s; a wedge is 60 s)`);
console.log(`done ${done().length}/${TASKS}, failed ${failed}, lost ${TASKS - done().length - failed}`);
console.log(`ran more than once: ${twice} (each recorded in its result: ${twice - unexplained}/${twice}); unexplained: ${unexplained}`);
await w.cleanup();
