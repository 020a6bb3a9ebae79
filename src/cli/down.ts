import pino from 'pino';
import { backendLockFile, createBackend } from '../backend/factory.js';
import type { BackendSession, SessionBackend } from '../backend/session-backend.js';
import { defaultConfigPath, loadDesired } from '../config/load.js';
import { isPoolName } from '../config/pool.js';
import type { DesiredState } from '../config/types.js';
import { driverFor } from '../drivers/index.js';
import { acquireControllerLocks } from '../reconciler/lock.js';
import { readStatusFile, statusFreshMs } from '../status/status-file.js';
import { listTasks } from '../tasks/list.js';
import { isAlive, signal, whenGone } from '../util/pid.js';
import { UsageError, type CliValues } from './main.js';
import { agentpoolCommand } from './hints.js';

/** How long the controller may take to stop after SIGTERM (it finishes the step it is in). */
const CONTROLLER_STOP_MS = 15_000;

/**
 * `agentpool down`: ends the pool. The controller first (SIGTERM, as Ctrl-C: it leaves the agents running),
 * then, holding its locks so that none starts meanwhile, the pool's sessions: a warm agent waiting for a
 * task is asked to exit the way its profile says; one in the middle of a turn, which would not take an
 * exit command, is ended with its session: the terminal's hangup, then SIGTERM to its process group and
 * SIGKILL 3 s later for what ignores both (the backend's destroy). It waits until every agent process is
 * gone, and ends the tmux server when nothing else lived on it.
 * `--force`: a controller that does not stop is killed, agents are not asked, and any still running after
 * the wait are killed. Task files stay where they are: a task an agent was working on goes back to the
 * queue when the pool starts again, as after any stop.
 */
export async function downCommand(v: CliValues): Promise<number> {
  const d = await loadDesired(v.config ?? defaultConfigPath());
  const force = v.force === true;
  const said: string[] = [];
  const controller = await stopController(d, v, force);
  if (controller) said.push(`stopped the controller (pid ${controller})`);
  const backend = createBackend(d);
  const release = await acquireControllerLocks(backendLockFile(d), backend.label, d.controller.stateDir, d.file);
  let left: number[] = [];
  try {
    const sessions = await backend.list();
    const pool = sessions.filter((s) => isPoolName(d, s.name) && s.tags.pool === d.pool.prefix);
    const log = pino({ level: 'silent' });
    // A warm agent (its tags say `warming`, at its prompt or still starting) has no turn to interrupt.
    const ready = force ? [] : pool.filter((s) => s.tags.state === 'warming' && !s.process.dead && d.agents[s.tags.agent]);
    const asked = await Promise.all(ready.map(async (s) => {
      const profile = d.agents[s.tags.agent]!;
      return driverFor(profile).stop({ profile, session: s.name, stateDir: d.controller.stateDir, log }, { backend, ref: s.ref });
    }));
    const pids = pool.filter((s) => !s.process.dead && s.process.pid).map((s) => s.process.pid!);
    for (const s of pool) await backend.destroy(s.ref).catch(() => {});
    left = await endAll(pids, force);
    const exited = asked.filter(Boolean).length;
    if (pool.length) said.push(`ended ${count(pool.length, 'session')} (${pool.map((s) => s.name).join(', ')})${exited ? `; ${count(exited, 'agent')} exited when asked` : ''}`);
    if (await onlyOurs(backend, sessions, pool)) {
      await backend.endHost();
      said.push(`ended the tmux server (${backend.label})`);
    }
  } finally {
    await backend.close?.();
    await release();
  }
  if (said.length === 0) said.push(`nothing to stop: no controller runs for ${d.file} and the pool has no session`);
  const working = (await listTasks(d.projects, ['active'])).filter((t) => t.step !== 'queued');
  if (working.length) said.push(`${count(working.length, 'task')} go back to the queue when the pool starts again: ${working.map((t) => t.name).join(', ')}`);
  process.stdout.write(`${said.join('\n')}\n`);
  if (left.length === 0) return 0;
  process.stderr.write(`agentpool down: ${count(left.length, 'agent process', 'agent processes')} still running ${AGENT_EXIT_MS / 1000} s after their sessions ended (pid ${left.join(', ')}): ${agentpoolCommand(v, 'down --force')} kills them\n`);
  return 1;
}

/** How long agents may take to exit once their sessions ended. */
const AGENT_EXIT_MS = 10_000;

/** Waits for the processes to end; `force` kills what is left. The pids still running. */
async function endAll(pids: readonly number[], force: boolean): Promise<number[]> {
  await Promise.all(pids.map((pid) => whenGone(pid, AGENT_EXIT_MS)));
  const left = pids.filter(isAlive);
  if (!force) return left;
  for (const pid of left) signal(pid, 'SIGKILL');
  await Promise.all(left.map((pid) => whenGone(pid, 5_000)));
  return left.filter(isAlive);
}

/** Stops the controller that runs for `d`, if one does; its pid, or null when none ran. */
async function stopController(d: DesiredState, v: CliValues, force: boolean): Promise<number | null> {
  const file = await readStatusFile(d.controller.stateDir, statusFreshMs(d.controller.resyncMs));
  const pid = file?.status.pid;
  if (!pid || !isAlive(pid)) return null;
  signal(pid, 'SIGTERM');
  if (await whenGone(pid, CONTROLLER_STOP_MS)) return pid;
  if (!force) throw new UsageError(`the controller (pid ${pid}) did not stop within ${CONTROLLER_STOP_MS / 1000} s of SIGTERM; ${agentpoolCommand(v, 'down --force')} kills it`, 1);
  signal(pid, 'SIGKILL');
  if (!(await whenGone(pid, 5_000))) throw new UsageError(`the controller (pid ${pid}) is still running after SIGKILL`, 1);
  return pid;
}

/** True when the server hosted nothing but the pool's sessions (and hosts nothing now): it is ours to end. */
async function onlyOurs(backend: SessionBackend, before: readonly BackendSession[], pool: readonly BackendSession[]): Promise<boolean> {
  if (before.length === 0 || before.length !== pool.length) return false;
  return (await backend.list().catch(() => [])).length === 0;
}

function count(n: number, what: string, many = `${what}s`): string {
  return `${n} ${n === 1 ? what : many}`;
}
