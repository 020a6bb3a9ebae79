import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createBackend } from '../backend/factory.js';
import type { SessionBackend } from '../backend/session-backend.js';
import { defaultConfigPath, loadDesired } from '../config/load.js';
import { taskTransitions, type RecordedTransition } from '../status/journal.js';
import { isPoolName } from '../config/pool.js';
import { readStatusFile, statusFreshMs } from '../status/status-file.js';
import { readActive } from '../tasks/store.js';
import { taskFacts } from '../tasks/list.js';
import { findTask } from './find-task.js';
import { attemptLogPath } from '../reconciler/attempt-log.js';
import { UsageError, type CliValues } from './main.js';
import { oneLine } from './table.js';
import { waitForFile } from '../util/fs.js';

/** How much scrollback a live pane shows, and how often -f looks again. */
const HISTORY = 2_000;
const FOLLOW_MS = 1_000;

/**
 * `agentpool logs TASK|SESSION [-f]`: the controller's transitions about it (from its status file) and the
 * agent's pane output: each ended attempt's saved log (src/reconciler/attempt-log.ts), and the live pane
 * of a task at work or of a session. `-f` keeps printing the pane's new lines until the task ends (or,
 * for a session, until Ctrl-C).
 */
export async function logsCommand(v: CliValues, target: string | undefined): Promise<number> {
  if (!target) throw new UsageError('logs needs a task or a session');
  const d = await loadDesired(v.config ?? defaultConfigPath());
  const file = await readStatusFile(d.controller.stateDir, statusFreshMs(d.controller.resyncMs));
  const transitions = file?.status.transitions ?? {};
  const out = (s: string) => process.stdout.write(s);
  if (isPoolName(d, target) || transitions[target]) {
    out(section(`controller: ${target}`));
    out(transitionLines(transitions[target] ?? []));
    await followPane(createBackend(d), target, v.follow === true, () => true, false);
    return 0;
  }
  const row = await findTask(d, target);
  out(section(`controller: ${row.name}`));
  out(transitionLines(taskTransitions(file?.status ?? {}, row.path)));
  const { sidecar, record } = await taskFacts(row);
  const facts = sidecar ?? record;
  for (const h of facts?.history ?? []) {
    if (!h.log) continue;
    out(section(`attempt ${h.attempt} in ${h.session ?? '?'} (${h.outcome}): ${h.log}`));
    out(await readFile(h.log, 'utf8').catch((err: Error) => `(the log is gone: ${err.message})\n`));
  }
  const session = row.state === 'active' ? facts?.session : null;
  if (!session) {
    if (!facts?.history.some((h) => h.log)) out(row.state === 'inbox' ? '(the task has not started yet)\n' : '(no pane output was saved for this task)\n');
    return 0;
  }
  out(section(`attempt ${facts!.attempts} in ${session}, at work now`));
  // Followed while the task is still this session's and its attempt has not ended; then the rest from the
  // log saved as it ended. That log is written before the agent is asked to exit, so the pane is not read
  // once it may show the session's next program.
  const saved = attemptLogPath(d, facts!.project, row.path, facts!.attempts, facts!.claimedAt);
  const still = async () => !existsSync(saved) && (await readActive(row.path))?.sidecar.session === session;
  const shown = await followPane(createBackend(d), session, v.follow === true, still, true);
  if (v.follow) {
    const text = await waitForFile(saved, 10_000);
    const rest = text === null ? [] : newLines(shown, text.trimEnd().split('\n')) ?? [];
    out(rest.map((l) => `${l}\n`).join(''));
    out(section(`${row.name} left ${session}`));
  }
  return 0;
}

/** Prints the session's pane (and, with `follow`, its new lines while `still`); returns the lines last seen. */
async function followPane(backend: SessionBackend, session: string, follow: boolean, still: () => Promise<boolean> | boolean, taskMode: boolean): Promise<string[]> {
  const ref = async () => (await backend.list()).find((s) => s.name === session)?.ref;
  const r = await ref();
  if (!r) {
    process.stdout.write(`(no session ${session} on ${backend.label})\n`);
    return [];
  }
  let shown: string[] = [];
  let stop = false;
  /** Prints what is new; false once another program runs in the pane (its agent exited). */
  const show = async () => {
    const lines = (await backend.readScreen(r, { history: HISTORY }).catch(() => '')).replace(/[ \t]+$/gm, '').trimEnd().split('\n');
    const fresh = newLines(shown, lines);
    if (fresh === null) return false;
    process.stdout.write(fresh.map((l) => `${l}\n`).join(''));
    shown = lines;
    return true;
  };
  await show();
  if (!follow) return shown;
  const quit = () => (stop = true);
  process.once('SIGINT', quit);
  while (!stop && (await still())) {
    await new Promise((res) => setTimeout(res, FOLLOW_MS));
    if (stop || !(await still())) break;
    if (!(await show())) {
      // A session goes on with its next program; a task's agent is over (the saved log has the rest).
      if (!taskMode) {
        process.stdout.write('==> a new program in the pane\n');
        shown = [];
        await show();
      } else break;
    }
  }
  process.off('SIGINT', quit);
  return shown;
}

/**
 * What a capture adds to the one before: the lines from the first that differs (the pane grew, or redrew
 * its bottom), or, once the scrollback limit shifted everything up, the lines after the overlap. Null
 * when the two share nothing: another program now runs in the pane (the agent exited).
 */
export function newLines(before: readonly string[], now: readonly string[]): string[] | null {
  let same = 0;
  while (same < before.length && same < now.length && before[same] === now[same]) same++;
  if (same > 0 || before.length === 0) return now.slice(same);
  for (let k = Math.min(before.length, now.length); k > 0; k--) {
    if (before.slice(before.length - k).every((l, i) => l === now[i])) return now.slice(k);
  }
  return null;
}

function section(title: string): string {
  return `==> ${title}\n`;
}

function transitionLines(ts: Array<RecordedTransition & { session?: string }>): string {
  if (!ts.length) return '(no transitions kept: the running controller keeps the last 20 per session)\n';
  return ts.map((t) => `${new Date(t.at).toISOString()}  ${t.session ? `${t.session}  ` : ''}${t.from} → ${t.to} (${t.event})${t.task ? `  ${basename(t.task)}` : ''}${t.reason ? `  ${oneLine(t.reason, 120)}` : ''}`).join('\n') + '\n';
}
