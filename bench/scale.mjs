#!/usr/bin/env node
// Scale (issue 12, bench 3): 1,000 pool sessions on this machine, the controller in this process so its
// tmux round trips, passes, CPU and memory can be counted. Then 100,000 queued tasks: pass time and RSS.
// The sessions stay idle (prewarm off, and for the queue an agent program that is not installed, so nothing
// is claimed): this measures the controller's own cost. Prints; never asserts.
// Run: npm run build && node bench/scale.mjs   (SESSIONS=1000 TASKS=100000 IDLE_S=60)
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { Controller } from '../dist/reconciler/controller.js';
import { TmuxBackend, TAG_OPTION } from '../dist/backend/tmux.js';
import { ControlTmuxClient } from '../dist/tmux/control-client.js';
import { ExecTmuxClient } from '../dist/tmux/exec-client.js';
import { percentile, sleep, until, world } from './lib.mjs';

const SESSIONS = Number(process.env.SESSIONS ?? 1000);
const TASKS = Number(process.env.TASKS ?? 100_000);
const IDLE_S = Number(process.env.IDLE_S ?? 60);
const transport = process.env.TRANSPORT ?? 'control';

/** A tmux client that counts the commands it sends (one round trip each over control mode). */
function counted(client) {
  let n = 0;
  const proxy = new Proxy(client, {
    get(target, key) {
      const v = Reflect.get(target, key);
      if (typeof v !== 'function' || key === 'close') return typeof v === 'function' ? v.bind(target) : v;
      return (...args) => {
        n += key === 'setOptions' ? Math.max(1, Object.keys(args[1] ?? {}).length) : key === 'pasteText' ? 2 : 1;
        return v.apply(target, args);
      };
    },
  });
  return { client: proxy, count: () => n };
}

/** CPU time the tmux server used so far, in ms (utime + stime from /proc, in ticks of 10 ms). */
let serverPid = 0;
function tmuxCpuMs() {
  const f = readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

const w = world({ size: SESSIONS, prewarm: false, resync: process.env.RESYNC ?? '10s' });
const socket = { socket: w.socket };
const raw = transport === 'exec' ? new ExecTmuxClient(socket) : new ControlTmuxClient(socket, 'tmux', 10_000, TAG_OPTION.pool);
const { client, count } = counted(raw);
const log = pino({ level: process.env.LOG ?? 'silent' }, pino.destination(process.env.LOG_FILE ?? 2));
const c = await Controller.create({ configFile: w.configFile, log, backend: () => new TmuxBackend(client) });
const passes = [];
const pass = c.reconciler.pass.bind(c.reconciler);
c.reconciler.pass = async () => {
  const t0 = performance.now();
  const before = count();
  try {
    return await pass();
  } finally {
    passes.push({ ms: performance.now() - t0, commands: count() - before });
  }
};

const t0 = performance.now();
c.start();
await until(() => c.slots.views().filter((v) => v.state === 'idle').length === SESSIONS, `${SESSIONS} idle sessions`, 600_000, 20);
const converged = performance.now() - t0;
console.log(`${SESSIONS} sessions (${transport} transport): converged in ${(converged / 1000).toFixed(1)} s, ${count()} tmux commands, ${passes.length} passes${raw.connections !== undefined ? `, ${raw.connections} control client(s)` : ''}`);
serverPid = (await raw.listPanes())[0].serverPid;

// Steady state: the periodic resync (1 s) and nothing else.
await sleep(3_000);
const steadyFrom = passes.length;
const cpu0 = process.cpuUsage();
const tmux0 = tmuxCpuMs();
const wall0 = performance.now();
await sleep(IDLE_S * 1000);
const cpu = process.cpuUsage(cpu0);
const wall = performance.now() - wall0;
const steady = passes.slice(steadyFrom);
if (steady.length === 0) steady.push({ ms: NaN, commands: 0 });
const pct = (ms) => ((ms / wall) * 100).toFixed(2);
console.log(`steady, ${IDLE_S} s idle: ${steady.length} passes; tmux commands per pass ${[...new Set(steady.map((p) => p.commands))].join('/')}; pass p50 ${percentile(steady.map((p) => p.ms), 0.5).toFixed(1)} ms, p99 ${percentile(steady.map((p) => p.ms), 0.99).toFixed(1)} ms`);
console.log(`idle CPU: controller ${pct((cpu.user + cpu.system) / 1000)} % of a core, tmux server ${pct(tmuxCpuMs() - tmux0)} %; controller RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);

// 100,000 queued tasks, never claimed: the agent program is missing, so every pass scans and plans them.
if (TASKS > 0) {
const inbox = join(w.project, '.agent-queue', 'inbox');
mkdirSync(inbox, { recursive: true });
// The agent program goes missing first, so nothing is claimed: every pass scans and plans the whole queue.
const text = readFileSync(w.configFile, 'utf8').replace('agent: quick', 'agent: missing');
writeFileSync(w.configFile, text.replace('agents:\n', 'agents:\n  missing:\n    extends: fake\n    command: [no-such-agent-cli, "--settings", "{settings}"]\n'));
await until(() => c.config.pool.agent === 'missing', 'the config reload', 30_000, 50);
const started = performance.now();
for (let i = 0; i < TASKS; i++) writeFileSync(join(inbox, `q-${i}.md`), `---\npriority: ${['low', 'default', 'high'][i % 3]}\n---\nQueued task ${i}\n`);
console.log(`wrote ${TASKS} task files in ${((performance.now() - started) / 1000).toFixed(1)} s`);
// The first passes parse every file once and list the folder whole (the reload restarts the watchers).
const firstFrom = passes.length;
await sleep(15_000);
await until(() => passes.length > firstFrom, 'a pass over the queue', 600_000, 100);
const first = passes.slice(firstFrom);
await sleep(2_000);
// Steady: a task file arrives now and then, and each wakes a pass.
const from = passes.length;
for (let i = 0; i < 20; i++) {
  writeFileSync(join(inbox, `.late-${i}.tmp`), 'Late task\n');
  renameSync(join(inbox, `.late-${i}.tmp`), join(inbox, `late-${i}.md`));
  await sleep(1_000);
}
const queued = passes.slice(from);
if (queued.length === 0) queued.push({ ms: NaN, commands: 0 });
console.log(`first passes over ${TASKS} new files (parsing each once, listing whole): ${first.map((p) => `${(p.ms / 1000).toFixed(1)} s`).join(', ')}`);
console.log(`${TASKS} queued tasks × ${SESSIONS} sessions: ${queued.length} passes, pass p50 ${percentile(queued.map((p) => p.ms), 0.5).toFixed(1)} ms, p99 ${percentile(queued.map((p) => p.ms), 0.99).toFixed(1)} ms; RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
}
console.log(`targets: 1,000 idle sessions < 1 % of a core, ≤ 200 MB RSS, ≤ 2 tmux round trips per steady pass; 100,000 queued: a pass ≤ 50 ms (${new Date().toISOString().slice(0, 10)})`);
await c.stop();
await raw.killServer().catch(() => {});
await w.cleanup();
