#!/usr/bin/env node
// A controller facing a tmux server that misbehaves (issue 21; target: recovers ≤ 60 s, < 5 % of a core
// meanwhile). Three ways a running pool loses its server, each measured from the moment it happens to the
// next task done, with the controller's CPU meanwhile:
//   baseline  the server killed outright (kill-server): the next pass finds none and makes a new one;
//   held      the server told to exit while a dead controller's command channel holds it (it refuses every
//             client: "server exited unexpectedly"); a new controller starts;
//   stopped   the server stopped with SIGSTOP (answers nothing); the running controller waits, then ends it.
// Run: npm run build && node bench/wedged.mjs
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, until, world } from './lib.mjs';

const TICKS = 100; // USER_HZ of /proc/<pid>/stat
const cpu = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
};

/** A pool of 2 fake agents with a queue that outlasts the measure. */
function pool() {
  const w = world({ size: 2, prewarm: false, agentEnv: { FAKE_AGENT_WORK_MS: 300 } });
  for (let i = 0; i < 200; i++) w.drop(`w-${String(i).padStart(3, '0')}.md`, `Task ${i}\n`);
  const done = () => { try { return readdirSync(join(w.project, '.agent-queue', 'done')).filter((n) => n.endsWith('.md')).length; } catch { return 0; } };
  const tmux = (...args) => execa('tmux', ['-L', w.socket, ...args], { reject: false });
  return { w, done, tmux };
}

/** The command channel of controller `pid` on the world's socket. */
function channelOf(w, pid) {
  for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      const ppid = Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      if (ppid === pid && argv.includes(w.socket) && argv.includes('-C')) return Number(p);
    } catch {}
  }
  return null;
}

/** From `t0` to the next task done, and the CPU `pid` used meanwhile (as a share of one core). */
async function recovery(p, t0, before, pid, cpu0) {
  await until(() => p.done() > before, 'a task done after the server came back', 120_000, 50);
  const s = (Date.now() - t0) / 1000;
  return { s, cpu: (cpu(pid) - cpu0) / s };
}

async function baseline() {
  const p = pool();
  const c = p.w.controller();
  await until(() => p.done() >= 4, 'a working pool', 60_000, 50);
  const before = p.done(), t0 = Date.now(), cpu0 = cpu(c.child.pid);
  await p.tmux('kill-server');
  const r = await recovery(p, t0, before, c.child.pid, cpu0);
  c.child.kill('SIGTERM');
  await c.child;
  await p.w.cleanup();
  return r;
}

async function held() {
  const p = pool();
  const first = p.w.controller();
  await until(() => p.done() >= 4 && channelOf(p.w, first.child.pid), 'a working pool and its channel', 60_000, 50);
  const channel = channelOf(p.w, first.child.pid);
  process.kill(channel, 'SIGSTOP'); // the race that leaves it attached, made certain
  await p.tmux('kill-server');
  first.child.kill('SIGKILL');
  await first.child;
  const refused = (await p.tmux('list-sessions')).stderr.includes('server exited unexpectedly');
  const before = p.done(), t0 = Date.now();
  const next = p.w.controller();
  const r = await recovery(p, t0, before, next.child.pid, 0);
  next.child.kill('SIGTERM');
  await next.child;
  await p.w.cleanup();
  return { ...r, refused };
}

async function stopped() {
  const p = pool();
  const c = p.w.controller();
  await until(() => p.done() >= 4, 'a working pool', 60_000, 50);
  const server = Number((await p.tmux('display-message', '-p', '#{pid}')).stdout.trim());
  const before = p.done(), t0 = Date.now(), cpu0 = cpu(c.child.pid);
  process.kill(server, 'SIGSTOP');
  const r = await recovery(p, t0, before, c.child.pid, cpu0);
  try { process.kill(server, 'SIGCONT'); } catch {}
  c.child.kill('SIGTERM');
  await c.child;
  await p.w.cleanup();
  return r;
}

const fmt = (r) => `${r.s.toFixed(1)} s to the next task done, controller ${(r.cpu * 100).toFixed(1)} % of a core meanwhile`;
const b = await baseline();
console.log(`baseline (server killed outright):          ${fmt(b)}`);
const h = await held();
console.log(`held by a dead controller's channel:         ${fmt(h)}${h.refused ? '' : ' (the server did not refuse: not the wedge)'}; ${(h.s / b.s).toFixed(1)}× the baseline`);
const s = await stopped();
console.log(`stopped (SIGSTOP), ended after the bound:    ${fmt(s)}; ${(s.s / b.s).toFixed(1)}× the baseline`);
console.log('target: recovers ≤ 60 s, < 5 % of a core meanwhile');
await sleep(0);
