import { costOf } from './tasks.js';
import { basename } from 'node:path';
import { defaultConfigPath, loadDesired } from '../config/load.js';
import type { DesiredState } from '../config/types.js';
import { readCordoned } from '../controls/cordoned.js';
import { taskTransitions, type RecordedTransition } from '../status/journal.js';
import { readStatusFile, statusFreshMs, type SessionStatus, type StatusFile } from '../status/status-file.js';
import { changesOf, taskFacts } from '../tasks/list.js';
import type { HistoryEntry, Sidecar } from '../tasks/types.js';
import { queueWaits } from '../tasks/waits.js';
import { findTask } from './find-task.js';
import { UsageError, type CliValues } from './main.js';
import { agentpoolCommand, attachHint } from './hints.js';
import { oneLine, preciseDuration, shortDuration, table } from './table.js';

/** A condition in the kubectl manner: what holds, why, and since when. */
export interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  since: number | null;
}

/**
 * `agentpool describe session NAME | task FILE`: everything known about one session or task, from the
 * running controller's status file (state, conditions, recent transitions) and the task's own record
 * (times, attempts, result, branch), with what to do next when it is stuck or failed.
 */
export async function describeCommand(v: CliValues, kind: string | undefined, name: string | undefined): Promise<number> {
  if ((kind !== 'session' && kind !== 'task') || !name) throw new UsageError('describe needs what and which: describe session NAME, or describe task FILE');
  const d = await loadDesired(v.config ?? defaultConfigPath());
  const file = await readStatusFile(d.controller.stateDir, statusFreshMs(d.controller.resyncMs));
  const view = kind === 'session' ? await describeSession(d, v, file, name) : await describeTask(d, v, file, name);
  process.stdout.write(v.output === 'json' ? `${JSON.stringify(view.data, null, 2)}\n` : view.text);
  return 0;
}

interface View {
  data: object;
  text: string;
}

async function describeSession(d: DesiredState, v: CliValues, file: { status: StatusFile; live: boolean } | null, name: string): Promise<View> {
  const now = Date.now();
  const row = file?.status.sessions.find((s) => s.session === name);
  if (!row) {
    const known = file?.status.sessions.map((s) => s.session).join(', ');
    throw new UsageError(`no session ${name}${file ? ` in the controller's last status (sessions: ${known || 'none'})` : ': no controller has written a status for this config yet'}`);
  }
  const transitions = file!.status.transitions?.[name] ?? [];
  const cordoned = row.cordoned || (await readCordoned(d.controller.stateDir)).has(name);
  const conditions = sessionConditions(row, cordoned, now);
  const next = sessionNext(v, row, cordoned, file!.live, now);
  const data = { session: row, live: file!.live, statusAgeMs: now - file!.status.writtenAt, conditions, transitions, next };
  let text = fields([
    ['Name', name],
    ['Role', row.role],
    ['State', `${row.state}${row.since !== null ? ` for ${shortDuration(now - row.since)}` : ''}${row.until !== null && row.until > now ? ` (its timer ends in ${shortDuration(row.until - now)})` : ''}`],
    ['Task', row.task ? `${row.task} (${row.project}), attempt ${row.attempt ?? '?'}, model ${row.model ?? '?'}` : '(none)'],
    ['Cordoned', cordoned ? 'yes: takes no new work (agentpool uncordon to undo)' : 'no'],
    ['Status', file!.live ? `from the running controller, ${shortDuration(now - file!.status.writtenAt)} ago` : `from a controller that is not running (written ${shortDuration(now - file!.status.writtenAt)} ago)`],
  ]);
  text += `\nConditions:\n${indent(conditionTable(conditions, now))}`;
  text += `\nTransitions (oldest first):\n${indent(transitionTable(transitions, now))}`;
  if (next.length) text += `\nNext:\n${next.map((n) => `  - ${n}`).join('\n')}\n`;
  return { data, text };
}

/** Pure: a session's conditions, as `kubectl describe` shows a Pod's; each agrees with its State. */
export function sessionConditions(row: SessionStatus, cordoned: boolean, now: number): Condition[] {
  const since = row.since;
  // A warm agent at its prompt (ready) takes the next task as an idle session does, only sooner.
  const takes = (row.state === 'idle' || row.state === 'ready') && !cordoned;
  return [
    { type: 'Working', status: row.state === 'working' ? 'True' : 'False', reason: row.state === 'working' ? 'AgentTookTask' : stateReason(row.state), message: row.task ? `${row.task}` : '', since },
    { type: 'Ready', status: takes ? 'True' : 'False', reason: cordoned ? 'Cordoned' : stateReason(row.state), message: takes ? (row.state === 'ready' ? 'a warm agent at its prompt takes the next task at once' : 'takes the next task') : '', since },
    { type: 'CoolingDown', status: row.state === 'cooldown' ? 'True' : 'False', reason: row.state === 'cooldown' ? 'AfterTask' : '', message: row.state === 'cooldown' && row.until && row.until > now ? `until ${new Date(row.until).toISOString()}` : '', since: row.state === 'cooldown' ? since : null },
    { type: 'LastAttemptFailed', status: row.lastError ? 'True' : 'False', reason: row.lastError ? 'Failed' : '', message: row.lastError ?? '', since: null },
  ];
}

function sessionNext(v: CliValues, row: SessionStatus, cordoned: boolean, live: boolean, now: number): string[] {
  const next: string[] = [];
  const attach = attachHint(v, row.session);
  if (!live) next.push(`no controller is running: start one with ${agentpoolCommand(v, 'reconcile')}`);
  if (row.state === 'awaiting-prompt' && row.since !== null && now - row.since > 15_000) next.push(`the agent has shown no ready prompt for ${shortDuration(now - row.since)}, a dialog agentpool does not answer? Look at its screen: ${attach}`);
  if (row.state === 'working' && row.task) next.push(`${agentpoolCommand(v, `cancel ${row.task}`)} stops it; watch it work (do not type into it): ${attach}`);
  if (row.lastError) next.push(`its last attempt failed: ${oneLine(row.lastError, 200)}`);
  if (cordoned) next.push(`${agentpoolCommand(v, `uncordon ${row.session}`)} lets it take tasks again`);
  if (row.role === 'unowned') next.push('a session agentpool did not create has this name: rename or end it, and the slot is made');
  return next;
}

async function describeTask(d: DesiredState, v: CliValues, file: { status: StatusFile; live: boolean } | null, arg: string): Promise<View> {
  const now = Date.now();
  const row = await findTask(d, arg);
  const { sidecar, record } = await taskFacts(row);
  const facts = record ?? sidecar;
  const history: HistoryEntry[] = facts?.history ?? [];
  const transitions = taskTransitions(file?.status ?? {}, row.path);
  const times = facts ? taskTimes(facts, record?.finishedAt ?? null) : [];
  const conditions: Condition[] = [
    { type: 'Claimed', status: facts?.claimedAt ? 'True' : 'False', reason: row.state === 'inbox' ? 'Waiting' : 'Claimed', message: facts?.session ? `by ${facts.session}` : '', since: facts?.claimedAt ?? null },
    { type: 'Submitted', status: facts?.submittedAt ? 'True' : 'False', reason: facts?.submittedAt ? 'AgentTookPrompt' : sidecar ? sidecar.state : '', message: '', since: facts?.submittedAt ?? null },
    { type: 'Finished', status: record ? 'True' : 'False', reason: record ? (record.outcome === 'done' ? 'Done' : 'Failed') : '', message: record?.reason ?? '', since: record?.finishedAt ?? null },
  ];
  const next: string[] = [];
  if (row.state === 'failed') next.push(`${agentpoolCommand(v, `retry ${row.name}`)} puts it back in the queue (attempts reset, history kept)`);
  const waiting = row.state === 'inbox' || row.step === 'queued' ? (await queueWaits(d, now)).get(row.path) ?? null : null;
  if (row.state === 'inbox' && row.reason) next.push(`it cannot run: ${row.reason}`);
  if (waiting) next.push(`it waits: ${waiting}`);
  if (row.state === 'inbox' && !row.reason && !waiting) next.push(`it waits for a free session: ${agentpoolCommand(v, 'status')} shows which are busy, cooling down or cordoned; ${agentpoolCommand(v, 'reconcile --dry-run')} shows whether it would be claimed now`);
  if (row.state === 'active') next.push(`${agentpoolCommand(v, `cancel ${row.name}`)} stops it and moves it to failed/`);
  if (record?.git) next.push(`${agentpoolCommand(v, `diff ${row.name}`)} shows what it changed`);
  const data = { task: { ...row, waiting }, record, sidecar, times: Object.fromEntries(times), conditions, transitions, next };
  let text = fields([
    ['Name', row.name],
    ['Project', row.project],
    ['State', waiting ? `waiting (${waiting})` : row.state === 'active' && row.step ? `active (${row.step})` : row.state],
    ['File', row.path],
    ['Priority', row.priority ?? '(front matter does not parse)'],
    ['Attempts', String(row.attempts)],
    ...(row.host ? [['Host', sidecar?.fleet ? `in the fleet's queue ${sidecar.fleet.queue} (job ${sidecar.fleet.job}): a host runs it or will` : `${row.host} (fleet mode: its agent ran there; its branch is on the project's remote)`] as [string, string]] : []),
    ['Session', facts?.session ? `${facts.session}, model ${facts.model ?? '?'}` : '(none)'],
    ...(facts?.sandboxed !== undefined ? [['Sandbox', facts.sandboxed ? 'yes: its agent ran in a sandbox (README: What a task can touch)' : 'no: its agent ran without a sandbox'] as [string, string]] : []),
    ...(facts?.agentSessionId ? [['Agent session', facts.agentSessionId] as [string, string]] : []),
    ...(facts?.transcriptPath ? [['Transcript', facts.transcriptPath] as [string, string]] : []),
    ...(record?.git ? [['Branch', `${record.git.branch}: ${changesOf(record.git)}, ${record.git.commits.length} commit(s); worktree ${record.git.kept ? `kept at ${record.git.worktree}` : 'removed'}`] as [string, string]] : []),
    ...(sidecar?.worktree ? [['Worktree', `${sidecar.worktree.path} on ${sidecar.worktree.branch}`] as [string, string]] : []),
    ...(row.usage ? [['Cost', `${costOf(row.usage)}${row.usage.attempts ? `: ${row.usage.tokens.input.toLocaleString('en-US')} input, ${row.usage.tokens.output.toLocaleString('en-US')} output, ${(row.usage.tokens.cacheWrite5m + row.usage.tokens.cacheWrite1h).toLocaleString('en-US')} cache write, ${row.usage.tokens.cacheRead.toLocaleString('en-US')} cache read tokens over ${row.usage.attempts} attempt(s)` : ''}${row.usage.unknown ? `; ${row.usage.unknown} attempt(s) of unknown usage` : ''}${row.usage.prices ? ` (prices of ${row.usage.prices})` : ''}`] as [string, string]] : []),
    ...(record ? [['Result', `${record.outcome}: ${record.reason}`] as [string, string]] : []),
    ...(record?.lastMessage ? [['Last message', oneLine(record.lastMessage, 200)] as [string, string]] : []),
  ]);
  if (times.length) text += `\nTimes:\n${indent(table(['STEP', 'WHEN', 'TOOK'], times.map(([k, t]) => [k, t.at ? `${shortDuration(now - t.at)} ago` : '', t.tookMs !== null ? preciseDuration(t.tookMs) : ''])))}`;
  text += `\nConditions:\n${indent(conditionTable(conditions, now))}`;
  if (history.length) {
    text += `\nAttempts:\n${indent(table(['ATTEMPT', 'SESSION', 'OUTCOME', 'WHEN', 'BRANCH', 'REASON'], history.map((h) => [String(h.attempt), h.session ?? '', h.outcome, `${shortDuration(now - h.at)} ago`, h.git?.branch ?? '', oneLine(h.reason, 80)])))}`;
  }
  if (transitions.length) text += `\nTransitions (oldest first):\n${indent(transitionTable(transitions, now, true))}`;
  if (next.length) text += `\nNext:\n${next.map((n) => `  - ${n}`).join('\n')}\n`;
  return { data, text };
}

/** Arrived → claimed → launched → took the prompt → finished, each with the time since the step before. */
function taskTimes(f: Pick<Sidecar, 'arrivedAt' | 'claimedAt' | 'launchedAt' | 'submittedAt'>, finishedAt: number | null): Array<[string, { at: number | null; tookMs: number | null }]> {
  const steps: Array<[string, number | null]> = [['arrived', f.arrivedAt], ['claimed', f.claimedAt], ['launched', f.launchedAt], ['took the prompt', f.submittedAt], ['finished', finishedAt]];
  let before: number | null = null;
  return steps.filter(([, at]) => at !== null).map(([name, at]) => {
    const took = before !== null && at !== null ? at - before : null;
    before = at;
    return [name, { at, tookMs: took }];
  });
}

function fields(pairs: Array<[string, string]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length)) + 2;
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(w)}${v}`).join('\n') + '\n';
}

function indent(text: string): string {
  return text.split('\n').map((l) => (l ? `  ${l}` : l)).join('\n');
}

function conditionTable(cs: Condition[], now: number): string {
  return table(['TYPE', 'STATUS', 'REASON', 'SINCE', 'MESSAGE'], cs.map((c) => [c.type, c.status, c.reason, c.since ? shortDuration(now - c.since) : '', oneLine(c.message, 80)]));
}

function transitionTable(ts: Array<RecordedTransition & { session?: string }>, now: number, withSession = false): string {
  if (!ts.length) return '(none kept: a controller keeps the last 20 per session while it runs)\n';
  return table(
    ['AGO', ...(withSession ? ['SESSION'] : []), 'FROM', 'TO', 'EVENT', 'TASK', 'REASON'],
    ts.map((t) => [shortDuration(now - t.at), ...(withSession ? [t.session ?? ''] : []), t.from, t.to, t.event, t.task ? basename(t.task) : '', oneLine(t.reason ?? '', 60)]),
  );
}

/** A state as a condition's reason: `awaiting-prompt` → `AwaitingPrompt`. */
function stateReason(state: string): string {
  return state.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}
