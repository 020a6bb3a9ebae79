#!/usr/bin/env node
// Throughput (issue 12, bench 4): 2,000 tiny tasks through 50 instant agents, prewarm on, control-mode
// transport: tasks per second, and where the time goes, from the controller's own log lines; then what one
// respawn-pane costs the tmux server (each task needs two: its agent, then the idle program back).
// Prints; never asserts. Run: npm run build && node bench/throughput.mjs   (TASKS=2000 SIZE=50 AGENT=instant)
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { percentile, until, world } from './lib.mjs';

const TASKS = Number(process.env.TASKS ?? 2000);
const SIZE = Number(process.env.SIZE ?? 50);
// AGENT=instant (the default): a shell that answers at once, so what is left is the controller's and tmux's
// own cost per task; AGENT=quick: the bundled fake agent with no work time (a Node process, and one more per
// hook event).
const AGENT = process.env.AGENT ?? 'instant';
const w = world({ size: SIZE, agent: AGENT, agentEnv: { FAKE_AGENT_WORK_MS: 0 }, prewarm: process.env.PREWARM !== 'off', ...(AGENT === 'instant' ? { suffix: '' } : {}) });
const c = w.controller();
const count = (msg) => c.lines.filter((l) => l.msg === msg).length;
await until(() => c.lines.filter((l) => l.to === 'ready' || l.to === 'idle').length >= SIZE, `${SIZE} sessions up`, 120_000, 20);
await until(() => c.lines.filter((l) => l.to === 'ready').length >= SIZE || process.env.PREWARM === 'off', `${SIZE} warm agents`, 120_000, 20);
const inbox = join(w.project, '.agent-queue', 'inbox');
const t0 = Date.now();
for (let i = 0; i < TASKS; i++) {
  // One line, no line end: the instant agent reads one line, and Enter ends it.
  writeFileSync(join(inbox, `.t-${i}.tmp`), `Tiny task ${i}.`);
  renameSync(join(inbox, `.t-${i}.tmp`), join(inbox, `t-${i}.md`));
}
await until(() => count('task done') + count('task failed') >= TASKS, `${TASKS} tasks settled`, 1_800_000, 50);
const took = (Date.now() - t0) / 1000;
const failed = count('task failed');
// Where the time goes, per task: from its claim to its submit (paste and proof), to its end (the agent's turn
// and hook), to its settling (the agent asked to exit, the record written); per slot: a new agent warming.
const byTask = new Map();
for (const l of c.lines) {
  if (!l.taskId) continue;
  const t = byTask.get(l.taskId) ?? {};
  if (l.msg === 'claimed task') t.claimed = l.time;
  if (l.msg === 'submitted task') t.submitted = l.time;
  if (l.to === 'stopping') t.ended = l.time;
  if (l.msg === 'task done') t.done = l.time;
  byTask.set(l.taskId, t);
}
const phase = (from, to) => [...byTask.values()].filter((t) => t[from] && t[to]).map((t) => t[to] - t[from]);
const warming = [];
const since = new Map();
for (const l of c.lines) {
  if (l.to === 'warming') since.set(l.session, l.time);
  if (l.to === 'ready' && since.has(l.session)) warming.push(l.time - since.get(l.session));
}
const med = (v) => `p50 ${percentile(v, 0.5)} ms, p99 ${percentile(v, 0.99)} ms`;
console.log(`${TASKS} tiny tasks through ${SIZE} ${AGENT === 'instant' ? 'instant shell' : 'fake (Node.js, no work time)'} agents: ${took.toFixed(1)} s, ${(TASKS / took).toFixed(1)} tasks/s (${failed} failed)`);
console.log(`  claim → submitted (paste, Enter, the agent's proof): ${med(phase('claimed', 'submitted'))}`);
console.log(`  submitted → turn over (the agent's turn and its Stop hook, seen by a pass): ${med(phase('submitted', 'ended'))}`);
console.log(`  turn over → done (the agent asked to exit, the task's record and move): ${med(phase('ended', 'done'))}`);
console.log(`  a new agent warming → ready (its process starting, its prompt seen): ${med(warming)}`);
console.log(`  target ≥ 50 tasks/s (${new Date().toISOString().slice(0, 10)})`);
c.child.kill('SIGTERM');
await c.child;
// The same tmux server, the controller gone: 100 respawn-panes through one control-mode client.
await execa('tmux', ['-L', w.socket, 'new-session', '-d', '-s', 'respawn-probe', 'tail -f /dev/null']);
const started = performance.now();
await execa('tmux', ['-L', w.socket, '-C', 'attach-session', '-t', 'respawn-probe'], {
  input: `${Array.from({ length: 100 }, () => "respawn-pane -k -t respawn-probe 'tail -f /dev/null'").join('\n')}\n`,
});
const respawnMs = (performance.now() - started) / 100;
console.log(`  one respawn-pane with ${SIZE} sessions: ${respawnMs.toFixed(1)} ms of the tmux server; at two a task, at most ${(1000 / (2 * respawnMs)).toFixed(0)} tasks/s`);
await w.cleanup();
