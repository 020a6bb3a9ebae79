#!/usr/bin/env node
// Fleet mode (issue 26) beside one host, in the same run: a task file renamed into the inbox → the prompt
// received by the fake agent (its own timestamp), one task at a time; then tasks per second for a burst of
// tasks with no work time. One host: a pool of 4. The fleet: a Redis of its own on loopback, a front door and
// two hosts of 2 (each its own controller, tmux server and state folder), the project a git repository
// whose remote is a bare one (each task's branch is pushed). Prewarm off in both (a fresh agent per task).
// Prints; never asserts. Run: npm run build && node bench/fleet.mjs   (TASKS=40 for latency, BURST=100)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { spread, until, world } from './lib.mjs';

const N = Number(process.env.TASKS ?? 40);
const BURST = Number(process.env.BURST ?? 100);

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

/** One task at a time (latency), then a burst (throughput), dropped into `door`'s inbox; prompts read from `agents`. */
async function measure(door, agents, controllers) {
  const done = () => controllers[0].lines.filter((l) => l.msg === 'task done' || l.msg === 'task done in the fleet').length;
  const dropped = new Map();
  for (let i = 0; i < N; i++) {
    await until(() => done() === i, `task ${i - 1} done`, 60_000, 5);
    // A free session on every host before the next file lands: the wait is not the figure.
    await new Promise((r) => setTimeout(r, 100));
    dropped.set(`Latency task ${i}.`, Date.now());
    door.drop(`lat-${i}.md`, `Latency task ${i}.\n`);
  }
  await until(() => done() === N, 'the last latency task', 60_000, 5);
  const prompts = agents.flatMap((w) => w.prompts());
  const latencies = prompts.filter((p) => /Latency task \d+\./.test(p.prompt)).map((p) => Date.parse(p.ts) - dropped.get(p.prompt.match(/Latency task \d+\./)[0]));
  // Where a latency task's time goes, by the controllers' own log lines: the file → in the queue (front
  // door) → taken by a host → claimed in the host's clone → the prompt received.
  const steps = { queued: [], taken: [], claimed: [], prompted: [], warm: 0 };
  const at = (c, msg, part) => c.lines.find((l) => l.msg === msg && JSON.stringify(l).includes(part))?.time;
  for (let i = 0; i < N; i++) {
    const name = `lat-${i}.md`;
    const t = dropped.get(`Latency task ${i}.`);
    const queued = at(controllers[0], "task added to the fleet's queue", `/${name}`);
    const host = controllers.slice(1).find((c) => at(c, 'took a job from the fleet', `/${name}`));
    if (!queued || !host) continue;
    const taken = at(host, 'took a job from the fleet', `/${name}`);
    // In the host's clone the task's file is named for its lease: lat-0--<token>.md.
    const claimed = at(host, 'claimed task', `/lat-${i}--`);
    if (host.lines.find((l) => l.msg === 'claimed task' && JSON.stringify(l).includes(`/lat-${i}--`))?.warmAgent) steps.warm++;
    const p = prompts.find((x) => x.prompt.includes(`Latency task ${i}.`));
    if (!claimed || !p) continue;
    steps.queued.push(queued - t);
    steps.taken.push(taken - queued);
    steps.claimed.push(claimed - taken);
    steps.prompted.push(Date.parse(p.ts) - claimed);
  }
  const t0 = Date.now();
  for (let i = 0; i < BURST; i++) door.drop(`burst-${i}.md`, `Burst task ${i}.\n`);
  await until(() => done() === N + BURST, `${BURST} burst tasks`, 600_000, 20);
  return { latencies, perSecond: BURST / ((Date.now() - t0) / 1000), steps };
}

const env = { FAKE_AGENT_WORK_MS: 0 };

// One host.
// PREWARM=1: an agent waits warm in each free session (the default), in both; off by default here.
const prewarm = process.env.PREWARM === '1';
const single = world({ size: 4, prewarm, agentEnv: env, isolation: 'worktree' });
const sc = single.controller();
await until(() => sc.lines.filter((l) => l.to === 'idle').length >= 4, 'four sessions', 60_000, 20);
const one = await measure(single, [single], [sc]);
sc.child.kill('SIGTERM');
await sc.child;
await single.cleanup();

// The fleet.
const redisDir = mkdtempSync(join(tmpdir(), 'agentpool-bench-redis-'));
const port = await freePort();
const redis = execa('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'], { reject: false, stdio: 'ignore' });
await until(() => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG', 'redis-server', 10_000, 50);
const fleetYaml = (host, role) => `fleet: { redis: "redis://127.0.0.1:${port}", host: ${host}, role: ${role}, lock: 30s, agents: [quick] }\n`;
const door = world({ size: 1, prewarm: false, agentEnv: env, isolation: 'worktree', extra: fleetYaml('door', 'front-door') });
const remote = join(door.dir, 'remote.git');
spawnSync('git', ['init', '--quiet', '--bare', remote]);
spawnSync('git', ['remote', 'add', 'origin', remote], { cwd: door.project });
spawnSync('git', ['push', '--quiet', 'origin', 'main'], { cwd: door.project });
const hosts = [1, 2].map((i) => world({ size: 2, prewarm, agentEnv: env, extra: fleetYaml(`host-${i}`, 'host') }));
const dc = door.controller();
const hcs = hosts.map((h) => h.controller());
await until(() => hcs.every((c) => c.lines.filter((l) => l.to === 'idle').length >= 2), 'four sessions on two hosts', 60_000, 20);
const fleet = await measure(door, hosts, [dc, ...hcs]).catch((err) => {
  for (const c of [dc, ...hcs]) console.error(c.lines.filter((l) => l.msg !== 'pass').slice(-8).map((l) => JSON.stringify(l)).join('\n'), '\n---');
  throw err;
});
for (const c of [dc, ...hcs]) c.child.kill('SIGTERM');
await Promise.all([dc, ...hcs].map((c) => c.child));
for (const w of [door, ...hosts]) await w.cleanup();
redis.kill('SIGKILL');
await redis;
rmSync(redisDir, { recursive: true, force: true });

console.log(`task file → prompt received, one at a time (${N} tasks, fake agents, prewarm ${prewarm ? 'on' : 'off'}, a worktree per task):`);
console.log(`  one host, pool of 4:                      ${spread(one.latencies)}`);
console.log(`  fleet (Redis, front door, 2 hosts × 2):   ${spread(fleet.latencies)}`);
console.log(`  fleet / one host, p50: ×${(percentile50(fleet.latencies) / percentile50(one.latencies)).toFixed(2)}`);
const mid = (k) => {
  const s = [...fleet.steps[k]].sort((a, b) => a - b);
  return s.length ? `${s[Math.floor(s.length / 2)]}/${s[Math.floor(s.length * 0.95)]} ms` : 'n/a';
};
console.log(`  fleet, p50/p95 of each step: file → in the queue ${mid('queued')}, → taken by a host ${mid('taken')}, → claimed in its clone ${mid('claimed')}, → prompt received ${mid('prompted')} (n=${fleet.steps.queued.length}; ${fleet.steps.warm} given to a warm agent)`);
console.log(`${BURST} tasks at once, no work time:`);
console.log(`  one host, pool of 4:                      ${one.perSecond.toFixed(1)} tasks/s`);
console.log(`  fleet, 2 hosts × 2:                       ${fleet.perSecond.toFixed(1)} tasks/s (×${(fleet.perSecond / one.perSecond).toFixed(2)})`);
console.log(`  target: fleet file → prompt p50 ≤ 100 ms (${new Date().toISOString().slice(0, 10)})`);

function percentile50(v) {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
