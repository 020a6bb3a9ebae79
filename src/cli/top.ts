import { Box, Text, render, useApp, useInput } from 'ink';
import { createElement as h, useEffect, useState, type ReactElement } from 'react';
import { defaultConfigPath, loadDesired } from '../config/load.js';
import { PRIORITIES, type DesiredState } from '../config/types.js';
import type { RecordedTransition } from '../status/journal.js';
import { readStatusFile, statusFreshMs, type SessionStatus } from '../status/status-file.js';
import { listTasks } from '../tasks/list.js';
import { UsageError, type CliValues } from './main.js';
import { queueCounts } from './status.js';
import { oneLine, shortDuration, table } from './table.js';

/** How often the view is read again from the status file and the task folders. */
const EVERY_MS = 1_000;
const SPARK = '▁▂▃▄▅▆▇█';
const MINUTES = 30;

/**
 * `agentpool top`: a full-screen view of the pool that refreshes every second from the controller's status
 * file and the task folders (so it needs no tmux access): sessions with their states and times, the
 * queues, the recent transitions and a sparkline of tasks done per minute. Built on Ink (React for the
 * terminal), the library Claude Code and Gemini CLI draw their own screens with; q quits.
 */
export async function topCommand(v: CliValues): Promise<number> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) throw new UsageError('top needs a terminal; agentpool status --watch prints the same facts to a pipe or a log');
  const d = await loadDesired(v.config ?? defaultConfigPath());
  const app = render(h(Top, { d }));
  await app.waitUntilExit();
  return 0;
}

interface View {
  at: number;
  header: string;
  live: boolean;
  sessions: SessionStatus[];
  queues: Awaited<ReturnType<typeof queueCounts>>;
  transitions: Array<RecordedTransition & { session: string }>;
  donePerMinute: number[];
}

async function load(d: DesiredState): Promise<View> {
  const now = Date.now();
  const file = await readStatusFile(d.controller.stateDir, statusFreshMs(d.controller.resyncMs));
  const s = file?.status;
  const header = !s
    ? `pool ${d.pool.prefix}* — no controller has written a status for this config`
    : `pool ${s.pool.prefix}* ${s.pool.actual}/${s.pool.desired} sessions, agent ${s.pool.agent} — ` +
      (file.live ? `controller pid ${s.pid}, up ${shortDuration(now - s.startedAt)}, config generation ${s.generation}` : `no controller running (last status ${shortDuration(now - s.writtenAt)} ago)`);
  const transitions = Object.entries(s?.transitions ?? {}).flatMap(([session, ts]) => ts.map((t) => ({ session, ...t }))).sort((a, b) => a.at - b.at).slice(-10);
  const done = await listTasks(d.projects, ['done']);
  const donePerMinute = Array.from({ length: MINUTES }, (_, i) => {
    const from = now - (MINUTES - i) * 60_000;
    return done.filter((t) => t.finishedAt !== null && t.finishedAt > from && t.finishedAt <= from + 60_000).length;
  });
  return { at: now, header, live: file?.live ?? false, sessions: s?.sessions ?? [], queues: await queueCounts(d), transitions, donePerMinute };
}

const STATE_COLOR: Record<string, string> = { working: 'green', 'awaiting-prompt': 'yellow', launching: 'yellow', stopping: 'magenta', cooldown: 'gray', absent: 'red' };

function Top({ d }: { d: DesiredState }): ReactElement {
  const { exit } = useApp();
  const [view, setView] = useState<View | null>(null);
  const [error, setError] = useState<string | null>(null);
  useInput((input) => {
    if (input === 'q') exit();
  });
  useEffect(() => {
    let alive = true;
    const tick = () => load(d).then((v) => alive && (setView(v), setError(null)), (err: Error) => alive && setError(err.message));
    void tick();
    const timer = setInterval(() => void tick(), EVERY_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [d]);
  if (!view) return h(Text, null, error ?? 'reading the pool…');
  const now = view.at;
  const sessionLines = table(
    ['SESSION', 'STATE', 'FOR', 'TASK', 'PROJECT', 'MODEL', 'UNTIL'],
    view.sessions.map((r) => [r.session, r.cordoned ? `${r.state} (cordoned)` : r.state, r.since === null ? '' : shortDuration(now - r.since), r.task, r.project, r.model ?? '', r.until !== null && r.until > now ? shortDuration(r.until - now) : '']),
  ).trimEnd().split('\n');
  const queueLines = table(
    ['PROJECT', 'INBOX', ...PRIORITIES.map((p) => p.toUpperCase()), 'ACTIVE', 'DONE', 'FAILED'],
    view.queues.map((q) => [q.project, String(q.inbox), ...PRIORITIES.map((p) => String(q.byPriority[p])), String(q.active), String(q.done), String(q.failed)]),
  ).trimEnd().split('\n');
  const max = Math.max(1, ...view.donePerMinute);
  const spark = view.donePerMinute.map((n) => (n === 0 ? ' ' : SPARK[Math.min(SPARK.length - 1, Math.floor((n / max) * (SPARK.length - 1)))])).join('');
  const total = view.donePerMinute.reduce((a, b) => a + b, 0);
  const section = (title: string) => h(Text, { bold: true }, `\n${title}`);
  return h(Box, { flexDirection: 'column' },
    h(Text, { bold: true, color: view.live ? 'cyan' : 'red' }, `agentpool top — ${view.header}`),
    section('Sessions'),
    ...sessionLines.map((line, i) => h(Text, { key: `s${i}`, color: i === 0 ? undefined : STATE_COLOR[view.sessions[i - 1]!.state], dimColor: i === 0 }, line)),
    section('Queues'),
    ...queueLines.map((line, i) => h(Text, { key: `q${i}`, dimColor: i === 0 }, line)),
    section(`Tasks done per minute, last ${MINUTES} min (${total})`),
    h(Text, { color: 'green' }, `[${spark}]`),
    section('Recent transitions'),
    ...(view.transitions.length
      ? view.transitions.map((t, i) => h(Text, { key: `t${i}` }, `${shortDuration(now - t.at).padStart(4)} ago  ${t.session.padEnd(14)} ${t.from} → ${t.to} (${t.event})${t.task ? `  ${t.task.slice(t.task.lastIndexOf('/') + 1)}` : ''}${t.reason ? `  ${oneLine(t.reason, 50)}` : ''}`))
      : [h(Text, { key: 't', dimColor: true }, '(none yet)')]),
    h(Text, { dimColor: true }, `\nq quits · every ${EVERY_MS / 1000} s${error ? ` · ${error}` : ''}`),
  );
}
