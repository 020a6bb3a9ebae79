import { Box, Text, render, useApp, useInput, useStdout } from 'ink';
import { createElement as h, useEffect, useState, type ReactElement } from 'react';
import { defaultConfigPath, loadDesired } from '../config/load.js';
import { PRIORITIES, type DesiredState } from '../config/types.js';
import type { RecordedTransition } from '../status/journal.js';
import { readStatusFile, statusFreshMs, type FleetSummary, type SessionStatus } from '../status/status-file.js';
import { listTasks } from '../tasks/list.js';
import { UsageError, type CliValues } from './main.js';
import { queueCounts } from './status.js';
import { oneLine, shortDuration, table } from './table.js';

/** How often the view is read again from the status file and the task folders. */
const EVERY_MS = 1_000;
const SPARK = '▁▂▃▄▅▆▇█';
const MINUTES = 30;
const ALT_SCREEN_ON = '\x1b[?1049h\x1b[H';
const ALT_SCREEN_OFF = '\x1b[?1049l';

/**
 * `agentpool top`: a full-screen view of the pool that refreshes every second from the controller's status
 * file and the task folders (so it needs no tmux access): sessions with their states and times, the
 * queues, the recent transitions and a sparkline of tasks done per minute. Built on Ink (React for the
 * terminal), the library Claude Code and Gemini CLI draw their own screens with; q quits.
 */
export async function topCommand(v: CliValues): Promise<number> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) throw new UsageError('top needs a terminal; agentpool status --watch prints the same facts to a pipe or a log');
  const d = await loadDesired(v.config ?? defaultConfigPath());
  // The terminal's alternate screen, as top and less use: on q the shell's screen comes back as it was.
  process.stdout.write(ALT_SCREEN_ON);
  const restore = () => process.stdout.write(ALT_SCREEN_OFF);
  process.once('exit', restore);
  try {
    const app = render(h(Top, { d }));
    await app.waitUntilExit();
  } finally {
    process.off('exit', restore);
    restore();
  }
  return 0;
}

export interface View {
  at: number;
  header: string;
  live: boolean;
  sessions: SessionStatus[];
  queues: Awaited<ReturnType<typeof queueCounts>>;
  transitions: Array<RecordedTransition & { session: string }>;
  donePerMinute: number[];
  /** Fleet mode: the fleet as the controller last read it. */
  fleet?: FleetSummary;
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
  const settled = await listTasks(d.projects, ['done', 'failed']);
  const done = settled.filter((t) => t.state === 'done');
  // What today's settled tasks cost (since local midnight), where their usage is known.
  const midnight = new Date(now).setHours(0, 0, 0, 0);
  const today = settled.filter((t) => t.finishedAt !== null && t.finishedAt >= midnight && t.usage);
  const spent = today.reduce<number | null>((sum, t) => (sum === null || t.usage!.cost === null ? null : sum + t.usage!.cost), 0);
  const spend = today.length ? ` · today ${spent === null ? 'cost unknown' : `$${spent.toFixed(2)}`} over ${today.length} task(s)` : '';
  const donePerMinute = Array.from({ length: MINUTES }, (_, i) => {
    const from = now - (MINUTES - i) * 60_000;
    return done.filter((t) => t.finishedAt !== null && t.finishedAt > from && t.finishedAt <= from + 60_000).length;
  });
  return { at: now, header: header + spend, live: file?.live ?? false, sessions: s?.sessions ?? [], queues: await queueCounts(d), transitions, donePerMinute, ...(s?.fleet ? { fleet: s.fleet } : {}) };
}

const STATE_COLOR: Record<string, string> = { working: 'green', 'awaiting-prompt': 'yellow', launching: 'yellow', stopping: 'magenta', cooldown: 'gray', absent: 'red' };

/** One line of the screen, as drawn. */
export interface TopLine {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
}

/**
 * Pure: the screen for a terminal of `rows` × `cols`, every line cut to the width, never more lines than
 * the height. The title and the key line always show; then each section gets its heading, its table's
 * header and a row, and what is left goes to the sessions first, then the queues, then the transitions.
 * A section that does not fit whole ends with a line that says how many rows it left out. Blank lines
 * between sections only where there is room for them.
 */
export function topLines(view: View, rows: number, cols: number, error: string | null = null): TopLine[] {
  const now = view.at;
  const sessionTable = table(
    ['SESSION', 'STATE', 'FOR', 'TASK', 'PROJECT', 'MODEL', 'UNTIL'],
    view.sessions.map((r) => [r.session, r.cordoned ? `${r.state} (cordoned)` : r.state, r.since === null ? '' : shortDuration(now - r.since), r.task, r.project, r.model ?? '', r.until !== null && r.until > now ? shortDuration(r.until - now) : '']),
  ).trimEnd().split('\n');
  const queueTable = table(
    ['PROJECT', 'INBOX', ...PRIORITIES.map((p) => p.toUpperCase()), 'ACTIVE', 'DONE', 'FAILED'],
    view.queues.map((q) => [q.project, String(q.inbox), ...PRIORITIES.map((p) => String(q.byPriority[p])), String(q.active), String(q.done), String(q.failed)]),
  ).trimEnd().split('\n');
  const fleetTable = view.fleet
    ? table(['QUEUE', 'WAITING', 'RUNNING', 'FAILED', ''], view.fleet.queues.map((q) => [q.queue, String(q.waiting), String(q.active), String(q.failed), q.pausedUntil && q.pausedUntil > now ? `paused ${shortDuration(q.pausedUntil - now)}` : ''])).trimEnd().split('\n')
    : [];
  const max = Math.max(1, ...view.donePerMinute);
  const spark = view.donePerMinute.map((n) => (n === 0 ? ' ' : SPARK[Math.min(SPARK.length - 1, Math.floor((n / max) * (SPARK.length - 1)))])).join('');
  const total = view.donePerMinute.reduce((a, b) => a + b, 0);
  const transitions = view.transitions.slice().reverse().map((t) => `${shortDuration(now - t.at).padStart(4)} ago  ${t.session.padEnd(14)} ${t.from} → ${t.to} (${t.event})${t.task ? `  ${t.task.slice(t.task.lastIndexOf('/') + 1)}` : ''}${t.reason ? `  ${oneLine(t.reason, 50)}` : ''}`);

  type Section = { heading: string; head: TopLine[]; body: TopLine[]; what: string };
  const sections: Section[] = [
    { heading: 'Sessions', head: [{ text: sessionTable[0]!, dim: true }], body: sessionTable.slice(1).map((text, i) => ({ text, ...color(STATE_COLOR[view.sessions[i]!.state]) })), what: 'sessions (agentpool status shows them all)' },
    { heading: 'Queues', head: [{ text: queueTable[0]!, dim: true }], body: queueTable.slice(1).map((text) => ({ text })), what: 'projects' },
    ...(view.fleet ? [{
      heading: `Fleet: ${view.fleet.up} controllers up, ${view.fleet.gone} gone, ${view.fleet.jobsHeld} jobs here (agentpool status --fleet)`,
      head: [{ text: fleetTable[0]!, dim: true }], body: fleetTable.slice(1).map((text) => ({ text })), what: 'queues',
    }] : []),
    { heading: `Tasks done per minute, last ${MINUTES} min (${total})`, head: [], body: [{ text: `[${spark}]`, color: 'green' }], what: '' },
    { heading: 'Recent transitions, newest first', head: [], body: transitions.length ? transitions.map((text) => ({ text })) : [{ text: '(none yet)', dim: true }], what: 'older transitions' },
  ];
  // Every section's heading, its table header, its first row and the line that counts the rest (or a
  // second row); what is left goes to the sections in order.
  const least = (x: Section) => Math.min(2, x.body.length);
  let left = Math.max(0, rows - 2 - sections.reduce((n, x) => n + 1 + x.head.length + least(x), 0));
  const shown = sections.map((x) => {
    const take = Math.min(x.body.length - least(x), left);
    left -= take;
    return least(x) + take;
  });
  // A blank line before each section and before the key line.
  const gaps = left >= sections.length + 1;
  const out: TopLine[] = [{ text: `agentpool top — ${view.header}`, bold: true, color: view.live ? 'cyan' : 'red' }];
  for (const [i, x] of sections.entries()) {
    if (gaps) out.push({ text: '' });
    out.push({ text: x.heading, bold: true }, ...x.head);
    const n = shown[i]!;
    if (n >= x.body.length) out.push(...x.body);
    else out.push(...x.body.slice(0, n - 1), { text: `… ${x.body.length - n + 1} more ${x.what}`, dim: true });
  }
  out.push({ text: `${gaps ? '\n' : ''}q quits · every ${EVERY_MS / 1000} s${error ? ` · ${error}` : ''}`, dim: true });
  return out.flatMap((l) => l.text.split('\n').map((text) => ({ ...l, text: cut(text, cols) }))).slice(0, Math.max(rows, 1));
}

function color(c: string | undefined): { color?: string } {
  return c ? { color: c } : {};
}

/** A line cut to the terminal's width (one column spare: a full last column makes some terminals wrap). */
function cut(text: string, cols: number): string {
  const width = Math.max(10, cols - 1);
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function Top({ d }: { d: DesiredState }): ReactElement {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [size, setSize] = useState({ rows: stdout.rows || 24, cols: stdout.columns || 80 });
  const [view, setView] = useState<View | null>(null);
  const [error, setError] = useState<string | null>(null);
  useInput((input) => {
    if (input === 'q') exit();
  });
  useEffect(() => {
    const resized = () => setSize({ rows: stdout.rows || 24, cols: stdout.columns || 80 });
    stdout.on('resize', resized);
    return () => void stdout.off('resize', resized);
  }, [stdout]);
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
  // One row spare: Ink ends its frame with a line break.
  return h(Box, { flexDirection: 'column' },
    ...topLines(view, size.rows - 1, size.cols, error).map((l, i) => h(Text, { key: i, wrap: 'truncate', bold: l.bold, dimColor: l.dim, ...(l.color ? { color: l.color } : {}) }, l.text || ' ')),
  );
}
