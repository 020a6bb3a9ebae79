import { readdir } from 'node:fs/promises';
import { createBackend } from '../backend/factory.js';
import type { SessionBackend } from '../backend/session-backend.js';
import { ConfigInvalidError, defaultConfigPath, loadDesired, stateDirOfFile } from '../config/load.js';
import { PRIORITIES, type DesiredState } from '../config/types.js';
import { STATE_LABEL, type SlotState } from '../machines/types.js';
import { desiredSlots } from '../config/pool.js';
import { parseWarmTag } from '../reconciler/slot-tags.js';
import { readStatusFile, statusFreshMs, withAbsentSlots, type SessionStatus, type StatusFile } from '../status/status-file.js';
import { isTaskName, queueDirs } from '../tasks/layout.js';
import { listTasks } from '../tasks/list.js';
import type { CliValues } from './main.js';
import { oneLine, shortDuration, table } from './table.js';
import { watch } from './watch.js';
import { readCordoned } from '../controls/cordoned.js';

/**
 * What the pool and the queues look like now. With a controller running, from the status file it writes
 * after every pass (no tmux access needed; and while the config file has errors, which the controller
 * refused); without one, from the sessions' tags in tmux, and it says so.
 */
export async function statusCommand(v: CliValues): Promise<number> {
  if (v.fleet) {
    const { fleetStatusReport } = await import('./status-fleet.js');
    if (v.watch) return watch(async () => ({ text: await fleetStatusReport(v) }));
    process.stdout.write(await fleetStatusReport(v));
    return 0;
  }
  if (v.watch) return watch(() => statusReport(v));
  const r = await statusReport(v);
  if (r.warning) process.stderr.write(r.warning);
  process.stdout.write(r.text);
  return 0;
}

/** The status as text (or JSON), and a warning for stderr when the config file has errors. */
async function statusReport(v: CliValues): Promise<{ text: string; warning?: string }> {
  const configFile = v.config ?? defaultConfigPath();
  const loaded = await loadDesired(configFile).catch((err: unknown) => {
    if (err instanceof ConfigInvalidError) return err;
    throw err;
  });
  const d = loaded instanceof ConfigInvalidError ? null : loaded;
  const stateDir = d?.controller.stateDir ?? (await stateDirOfFile(configFile));
  const file = stateDir ? await readStatusFile(stateDir, statusFreshMs(d?.controller.resyncMs ?? 10_000)) : null;
  const live = file?.live ? file.status : null;
  let warning: string | undefined;
  if (!d) {
    if (!live) throw loaded;
    warning = `${(loaded as ConfigInvalidError).message}\nagentpool: the config file has errors; the running controller keeps config generation ${live.generation}\n`;
  }
  const now = Date.now();
  const backend = d ? createBackend(d) : null;
  const sessions = live?.sessions ?? (await fromTags(d!, backend!));
  const queues = d ? await queueCounts(d) : [];
  const pool = live?.pool ?? { prefix: d!.pool.prefix, desired: d!.pool.size, agent: d!.pool.agent };
  const controller = live
    ? { running: true, pid: live.pid, config: live.config, generation: live.generation, lastReload: live.lastReload, statusAgeMs: now - live.writtenAt }
    : { running: false, lastStatusAgeMs: file ? now - file.status.writtenAt : null };
  if (v.output === 'json') {
    const out = { tmux: backend?.label ?? null, controller, pool: { prefix: pool.prefix, desired: pool.desired, agent: pool.agent }, sessions, queues, problems: live?.problems ?? [], repairs: live?.repairs ?? [] };
    return { text: `${JSON.stringify(out, null, 2)}\n`, ...(warning ? { warning } : {}) };
  }
  let text = '';
  const actual = sessions.filter((r) => r.role === 'pool' && r.state !== 'absent').length;
  text += `${backend ? `${backend.label} — ` : ''}pool ${pool.prefix}* ${actual}/${pool.desired} sessions, agent ${pool.agent}\n`;
  text += `${controllerLine(live, file?.status ?? null, now)}\n\n`;
  // -o wide: when each state began and its timer ends, as times, and last errors whole.
  const wide = v.output === 'wide';
  const clock = (t: number | null) => (t === null ? '' : new Date(t).toISOString().replace('T', ' ').slice(0, 19));
  text += table(
    ['SESSION', 'ROLE', 'STATE', 'FOR', 'TASK', 'PROJECT', 'MODEL', 'ATTEMPT', 'UNTIL', ...(wide ? ['SINCE', 'ENDS'] : []), 'LAST ERROR'],
    sessions.map((r) => [
      r.session, r.role, r.cordoned ? `${r.state} (cordoned)` : r.state, r.since === null ? '' : shortDuration(now - r.since), r.task, r.project, r.model ?? '',
      r.attempt === null ? '' : String(r.attempt), r.until !== null && r.until > now ? shortDuration(r.until - now) : '',
      ...(wide ? [clock(r.since), clock(r.until)] : []),
      wide ? (r.lastError ?? '').replace(/\s+/g, ' ') : oneLine(r.lastError ?? '', 60),
    ]),
  );
  if (queues.length) {
    text += '\n';
    text += table(
      ['PROJECT', 'INBOX', ...PRIORITIES.map((p) => p.toUpperCase()), 'ACTIVE', 'DONE', 'FAILED', 'PATH'],
      queues.map((q) => [q.project, String(q.inbox), ...PRIORITIES.map((p) => String(q.byPriority[p])), String(q.active), String(q.done), String(q.failed), q.path]),
    );
  }
  for (const p of live?.problems ?? []) text += `\nproblem: ${p}`;
  // What the controller did to a server that misbehaved, in the last hour: why sessions may have restarted.
  const repairs = (live?.repairs ?? []).filter((r) => now - r.at < 3_600_000);
  for (const r of repairs) text += `\nrepaired ${shortDuration(now - r.at)} ago: ${r.what}`;
  if (live?.problems.length || repairs.length) text += '\n';
  return { text, ...(warning ? { warning } : {}) };
}

function controllerLine(live: StatusFile | null, last: StatusFile | null, now: number): string {
  if (!live) {
    return last
      ? `no controller is running (the last one wrote its status ${shortDuration(now - last.writtenAt)} ago); states below are as saved on the sessions`
      : 'no controller has run with this config; states below are as saved on the sessions';
  }
  const reload = live.lastReload && !live.lastReload.ok
    ? `; the last config edit (${shortDuration(now - live.lastReload.at)} ago) was refused: ${live.lastReload.errors[0] ?? ''}`
    : '';
  return `controller pid ${live.pid}, up ${shortDuration(now - live.startedAt)}, config generation ${live.generation}${reload}`;
}

/** Without a controller: what agentpool saved on the sessions (their tags). */
async function fromTags(d: DesiredState, backend: SessionBackend): Promise<SessionStatus[]> {
  const wanted = new Set(desiredSlots(d));
  const cordoned = await readCordoned(d.controller.stateDir);
  const rows: SessionStatus[] = (await backend.list())
    .filter((s) => s.tags.pool === d.pool.prefix || wanted.has(s.name) || d.dedicated.includes(s.name))
    .map(({ name, tags: t }) => ({
      session: name,
      role: d.dedicated.includes(name) ? 'dedicated' : t.pool === d.pool.prefix ? (wanted.has(name) ? 'pool' : 'surplus') : 'unowned',
      state: t.pool === d.pool.prefix ? STATE_LABEL[(t.state || 'idle') as SlotState] ?? t.state : '-',
      since: null,
      // A warm slot's `task` tag holds its waiting agent, not a task (slot-tags.ts).
      task: t.task && !parseWarmTag(t.task) ? t.task.slice(t.task.lastIndexOf('/') + 1) : '',
      project: '', model: null, attempt: null,
      until: t.until ? Number(t.until) : null,
      lastError: null,
      cordoned: cordoned.has(name),
    }));
  return withAbsentSlots(d, rows);
}

/** Each project's queue: the inbox by priority, and how many tasks are active, done and failed. */
export async function queueCounts(d: DesiredState) {
  return Promise.all(
    d.projects.map(async (p) => {
      const dirs = queueDirs(p.inbox);
      const count = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).filter(isTaskName).length;
      const inbox = await listTasks([p], ['inbox']);
      const byPriority = Object.fromEntries(PRIORITIES.map((pr) => [pr, inbox.filter((t) => t.priority === pr).length]));
      return { project: p.name, path: p.path, inbox: inbox.length, byPriority, active: await count(dirs.active), done: await count(dirs.done), failed: await count(dirs.failed) };
    }),
  );
}
