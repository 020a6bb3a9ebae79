import { taskUsage, type TaskUsage } from '../costs/usage.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Priority, ProjectSpec } from '../config/types.js';
import { isTaskName, notATask, queueDirs, SIDECAR_SUFFIX } from './layout.js';
import { parseTask } from './parse.js';
import { readSidecar } from './scan.js';
import { readActive, readResult } from './store.js';
import type { GitRecord, ResultRecord, Sidecar } from './types.js';

export const TASK_STATES = ['inbox', 'active', 'done', 'failed'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** One task as `agentpool tasks` shows it, read from its file and the record beside it. */
export interface TaskRow {
  project: string;
  state: TaskState;
  name: string;
  path: string;
  /** null for an inbox file that does not parse (it will go to failed/; an empty one waits for its text). */
  priority: Priority | null;
  /** Epoch ms it arrived in the inbox. */
  arrivedAt: number;
  attempts: number;
  /** In active/: where it stands (queued, claimed, launched, submitting, submitted). */
  step: Sidecar['state'] | null;
  session: string | null;
  model: string | null;
  /** done/failed: the outcome's reason; active: the last failed attempt's reason; inbox: why it cannot run. */
  reason: string | null;
  /** done/failed: from its last claim to the end, in ms. */
  durationMs: number | null;
  finishedAt: number | null;
  /** isolation: worktree: the attempt's branch (active: the one it works on). */
  branch: string | null;
  /** done/failed in a worktree: what its branch changed, e.g. `2 files, +14 -3`. */
  changes: string | null;
  /** Fleet mode: the host whose agent ran it (done/failed), or `queue <name>` while it is in the fleet's queue. */
  host: string | null;
  /** What its ended attempts consumed (src/costs/), or null before any. */
  usage: TaskUsage | null;
}

/**
 * The tasks of `projects` in the states asked for, read from the queue folders without a controller:
 * inbox files by their front matter, active ones by their sidecar, settled ones by their result record.
 * Oldest first within a project. A missing folder has no tasks.
 */
export async function listTasks(projects: readonly ProjectSpec[], states: readonly TaskState[] = TASK_STATES): Promise<TaskRow[]> {
  const rows: TaskRow[] = [];
  for (const p of projects) {
    const dirs = queueDirs(p.inbox);
    for (const state of states) {
      // The inbox's files that look meant as tasks but are not are shown too, with why they wait.
      const names = (await readdir(dirs[state]).catch(() => [] as string[])).filter((n) => isTaskName(n) || (state === 'inbox' && notATask(n)));
      // Read READ_AT_ONCE at a time: a folder of hundreds is read in the time of a few, without a file
      // descriptor per task at once.
      for (let i = 0; i < names.length; i += READ_AT_ONCE) {
        const got = await Promise.all(names.slice(i, i + READ_AT_ONCE).map((name) => readRow(p, state, join(dirs[state], name), name)));
        for (const row of got) if (row) rows.push(row);
      }
    }
  }
  return rows.sort((a, b) => a.project.localeCompare(b.project) || TASK_STATES.indexOf(a.state) - TASK_STATES.indexOf(b.state) || a.arrivedAt - b.arrivedAt || a.name.localeCompare(b.name));
}

/** Project `project`'s task `name`, wherever it is in its queue folders (the dashboard names tasks so), or undefined. */
export async function findRow(projects: readonly ProjectSpec[], project: unknown, name: unknown): Promise<TaskRow | undefined> {
  return (await listTasks(projects.filter((p) => p.name === project))).find((t) => t.name === name);
}

/** How many task files listTasks reads at once. */
const READ_AT_ONCE = 32;

/** What a task's own files say: its sidecar while it is active, its result record once it is settled. */
export async function taskFacts(row: Pick<TaskRow, 'state' | 'path'>): Promise<{ sidecar: Sidecar | null; record: ResultRecord | null }> {
  if (row.state === 'active') return { sidecar: (await readActive(row.path))?.sidecar ?? null, record: null };
  if (row.state === 'inbox') return { sidecar: null, record: null };
  return { sidecar: null, record: await readResult(row.path) };
}

async function readRow(p: ProjectSpec, state: TaskState, path: string, name: string): Promise<TaskRow | null> {
  const base = { project: p.name, state, name, path, step: null, session: null, model: null, reason: null, durationMs: null, finishedAt: null, branch: null, changes: null, host: null, usage: null };
  if (state === 'inbox' && notATask(name)) {
    const st = await stat(path).catch(() => null);
    return st?.isFile() ? { ...base, priority: null, arrivedAt: st.mtimeMs, attempts: 0, reason: notATask(name) } : null;
  }
  if (state === 'inbox') {
    const [st, bytes] = await Promise.all([stat(path).catch(() => null), readFile(path).catch(() => null)]);
    if (!st || !bytes) return null; // taken meanwhile
    const parsed = parseTask(bytes);
    return { ...base, priority: parsed.ok ? parsed.task.meta.priority : null, arrivedAt: st.mtimeMs, attempts: 0, reason: parsed.ok ? null : parsed.reason };
  }
  if (state === 'active') {
    const s = await readSidecar(path + SIDECAR_SUFFIX);
    if (!s) return { ...base, priority: null, arrivedAt: (await stat(path).catch(() => null))?.mtimeMs ?? 0, attempts: 0, step: 'queued' };
    return {
      ...base, priority: s.priority, arrivedAt: s.arrivedAt, attempts: s.attempts, step: s.state, session: s.session, model: s.model,
      reason: s.history.at(-1)?.reason ?? null, branch: s.worktree?.branch ?? null, host: s.fleet ? `queue ${s.fleet.queue}` : null,
      usage: taskUsage(s.history.map((h) => h.usage)) ?? null,
    };
  }
  const r = await readResult(path);
  if (!r) return { ...base, priority: null, arrivedAt: (await stat(path).catch(() => null))?.mtimeMs ?? 0, attempts: 0 };
  return {
    ...base, priority: r.priority, arrivedAt: r.arrivedAt, attempts: r.attempts, session: r.session, model: r.model, reason: r.reason,
    durationMs: r.claimedAt !== null ? r.finishedAt - r.claimedAt : null, finishedAt: r.finishedAt,
    branch: r.git && !r.git.branchDeleted ? r.git.branch : null, changes: r.git ? changesOf(r.git) : null, host: r.host ?? null, usage: r.usage ?? null,
  };
}

/** `2 files, +14 -3`, and what was left uncommitted. */
export function changesOf(g: GitRecord): string {
  const { files, insertions, deletions } = g.diffstat;
  const left = g.uncommitted ? `, ${g.uncommitted} uncommitted` : '';
  return `${files} file${files === 1 ? '' : 's'}, +${insertions} -${deletions}${left}`;
}
