import { taskUsage } from '../costs/usage.js';
import { randomUUID } from 'node:crypto';
import { access, mkdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { writeJsonAtomic } from './atomic.js';
import { serially } from '../util/serial.js';
import { exists } from '../util/fs.js';
import { queueDirs, RESULT_SUFFIX, SIDECAR_SUFFIX } from './layout.js';
import { parseTask } from './parse.js';
import { asks, freshSidecar, readSidecar } from './scan.js';
import type { ActiveTask, GitRecord, HistoryEntry, ParsedTask, PendingTask, RejectedTask, ResultRecord, Sidecar, TaskMeta } from './types.js';

/**
 * Every change to task files. A task file is only ever renamed, never deleted or overwritten: claim is a
 * rename into active/ (it succeeds for exactly one claimer), outcomes are renames into done/ or failed/.
 */

export async function ensureQueueDirs(inbox: string): Promise<void> {
  const dirs = queueDirs(inbox);
  for (const d of [dirs.inbox, dirs.active, dirs.done, dirs.failed]) await mkdir(d, { recursive: true });
}

/**
 * Claims `task` for `session`: after this resolves the file is in active/ with a sidecar saying so. The
 * rename succeeds for exactly one claimer; only it moves its sidecar into place. A queued retry in active/ is claimed only while its sidecar still says queued.
 * `session` null and `extra`: a front door's claim for the fleet's queue (its sidecar names the job).
 */
export async function claimTask(task: PendingTask, session: string | null, now: number, extra: Partial<Sidecar> = {}): Promise<ActiveTask> {
  if (task.where === 'inbox') {
    let sidecar: Sidecar | null = null;
    const path = await intoFreeName(queueDirs(dirname(task.path)).active, task.name, async (dest) => {
      sidecar = { ...freshSidecar(task.project, basename(dest), task.arrivedAt, task.priority), ...asks(task), ...claimedBy(session, 1, now), ...extra };
      // The sidecar is written under a name of this claim's own and moved into place only by the winner.
      const pending = join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomUUID()}${SIDECAR_SUFFIX}`);
      await writeJsonAtomic(pending, sidecar);
      try {
        await rename(task.path, dest); // ENOENT: someone else took it; nothing was sent
      } catch (err) {
        await unlink(pending).catch(() => {});
        throw err;
      }
      // A crash right here leaves the task in active/ without a sidecar: the scan queues it (nothing was sent).
      await rename(pending, dest + SIDECAR_SUFFIX);
    });
    return { path, project: task.project, name: basename(path), sidecar: sidecar! };
  }
  const current = await readSidecar(task.path + SIDECAR_SUFFIX);
  if (current && current.state !== 'queued') throw new Error(`${task.path} is already claimed by ${current.session}`);
  await access(task.path);
  const base = current ?? freshSidecar(task.project, task.name, task.arrivedAt, task.priority);
  const sidecar: Sidecar = { ...base, ...claimedBy(session, base.attempts + 1, now), ...extra };
  await writeJsonAtomic(task.path + SIDECAR_SUFFIX, sidecar);
  return { path: task.path, project: task.project, name: task.name, sidecar };
}

/** The history entry of the attempt that just ended. */
function entry(s: Sidecar, o: { outcome: string; reason: string; now: number; git?: GitRecord | null; log?: string | null; usage?: HistoryEntry['usage'] | null }): HistoryEntry {
  const git = o.git ? { git: { branch: o.git.branch, head: o.git.head, worktree: o.git.worktree, kept: o.git.kept } } : {};
  return { attempt: s.attempts, session: s.session, outcome: o.outcome, reason: o.reason, at: o.now, ...git, ...(o.log ? { log: o.log } : {}), ...(o.usage ? { usage: o.usage } : {}) };
}

function claimedBy(session: string | null, attempts: number, now: number): Partial<Sidecar> {
  return { state: 'claimed', session, attempts, claimedAt: now, launchedAt: null, submittedAt: null, notBefore: 0 };
}

export async function readActive(path: string): Promise<ActiveTask | null> {
  const sidecar = await readSidecar(path + SIDECAR_SUFFIX);
  if (!sidecar) return null;
  return { path, project: sidecar.project, name: basename(path), sidecar };
}

/** Writes a task's whole sidecar (the attempt ledger's writes, from the sidecar it read once). */
export async function writeSidecar(path: string, sidecar: Sidecar): Promise<Sidecar> {
  await writeJsonAtomic(path + SIDECAR_SUFFIX, sidecar);
  return sidecar;
}

/** Reads and parses a claimed task for sending. */
export async function readTask(path: string): Promise<ParsedTask> {
  const r = parseTask(await readFile(path));
  if (!r.ok) throw new Error(r.reason);
  return r.task;
}

export interface RequeueOptions {
  reason: string;
  outcome: string;
  notBefore: number;
  refundAttempt: boolean;
  now: number;
  git?: GitRecord | null;
  log?: string | null;
  usage?: HistoryEntry['usage'] | null;
  /** Its cap was spent: it waits for `agentpool resume` (Sidecar.parked). */
  parked?: Sidecar['parked'];
}

/** Puts a claimed task back in the queue (in active/, state queued) for another attempt after `notBefore`, from its sidecar as the attempt ledger read it. */
export async function requeueFrom(path: string, s: Sidecar, o: RequeueOptions): Promise<Sidecar> {
  const next: Sidecar = {
    ...s,
    state: 'queued',
    session: null,
    notBefore: o.notBefore,
    attempts: o.refundAttempt ? Math.max(0, s.attempts - 1) : s.attempts,
    ...(o.parked ? { parked: o.parked } : {}),
    // The next attempt gets a worktree of its own; this one's is in the history.
    worktree: null,
    history: [...s.history, entry(s, o)],
  };
  await writeJsonAtomic(path + SIDECAR_SUFFIX, next);
  return next;
}

export interface FinishOptions {
  outcome: 'done' | 'failed';
  reason: string;
  now: number;
  lastMessage?: string;
  git?: GitRecord | null;
  log?: string | null;
  usage?: HistoryEntry['usage'] | null;
}

/**
 * Moves a claimed task to done/ or failed/ with its result record, from its sidecar as the attempt ledger
 * read it. The record is written first, so a task that appears in done/ or failed/ always has its record
 * beside it; a crash between the two leaves the task in active/ (it is settled again on the next run,
 * overwriting that record).
 */
export async function finishFrom(path: string, sidecar: Sidecar | null, o: FinishOptions): Promise<string> {
  const s = sidecar ?? freshSidecar('', basename(path), o.now);
  const dirs = queueDirs(join(dirname(dirname(path)), 'inbox'));
  // The worktree, if any, is described by `git` (where it went, what is on its branch); a cancel by the
  // reason it ended with.
  const { state: _state, worktree: _worktree, cancel: _cancel, ...rest } = s;
  const history = [...s.history, entry(s, o)];
  const usage = taskUsage(history.map((h) => h.usage));
  const record: ResultRecord = {
    ...rest,
    history,
    ...(usage ? { usage } : {}),
    outcome: o.outcome,
    reason: o.reason,
    finishedAt: o.now,
    ...(o.lastMessage !== undefined ? { lastMessage: o.lastMessage } : {}),
    ...(o.git ? { git: o.git } : {}),
  };
  const dest = await intoFreeName(o.outcome === 'done' ? dirs.done : dirs.failed, basename(path), (d) => moveWithRecord(path, d, record));
  await unlink(path + SIDECAR_SUFFIX).catch(() => {});
  return dest;
}

/** The result record beside a task in done/ or failed/, or null when there is none (yet). */
export async function readResult(path: string): Promise<ResultRecord | null> {
  // A result record is a sidecar's fields plus the outcome, under the same version.
  return (await readSidecar(path + RESULT_SUFFIX)) as unknown as ResultRecord | null;
}

/**
 * Puts a task from failed/ back in the queue by hand (`agentpool retry`): into active/, queued, with its
 * attempts reset and its history kept (the sidecar is written first, then the task moves, then its old
 * record goes: a crash at any point leaves the task in exactly one place). What it asks and waits for is
 * what its front matter says now (`meta`: a person may have fixed the file). Returns its new path.
 */
export async function retryTask(path: string, o: { now: number; reason: string; meta: TaskMeta }): Promise<string> {
  const record = await readResult(path);
  if (!record) throw new Error(`${path} has no result record beside it`);
  const dirs = queueDirs(join(dirname(dirname(path)), 'inbox'));
  const { outcome: _o, reason: _r, finishedAt: _f, lastMessage: _l, git: _g, cancel: _c, agent: _a, needsClaudeCode: _n, askedModel: _m, timeoutMs: _t, after: _w, afterFailed: _wf, ...rest } = record as ResultRecord & Pick<Sidecar, 'cancel'>;
  const dest = await intoFreeName(dirs.active, basename(path), async (d) => {
    const sidecar: Sidecar = {
      ...rest, ...asks(o.meta), priority: o.meta.priority, task: basename(d), state: 'queued', session: null, attempts: 0, notBefore: 0, worktree: null,
      claimedAt: null, launchedAt: null, submittedAt: null,
      history: [...record.history, { attempt: record.attempts, session: null, outcome: 'retried', reason: o.reason, at: o.now }],
    };
    await writeJsonAtomic(d + SIDECAR_SUFFIX, sidecar);
    try {
      await rename(path, d);
    } catch (err) {
      await unlink(d + SIDECAR_SUFFIX).catch(() => {});
      throw err;
    }
  });
  await unlink(path + RESULT_SUFFIX).catch(() => {});
  return dest;
}

/** Moves an inbox file that can never run to failed/, with the reason. */
export async function rejectTask(t: RejectedTask, now: number): Promise<string> {
  const dirs = queueDirs(dirname(t.path));
  return intoFreeName(dirs.failed, t.name, async (dest) => {
    const { state: _state, ...rest } = freshSidecar(t.project, basename(dest), now);
    await moveWithRecord(t.path, dest, { ...rest, outcome: 'failed', reason: t.reason, finishedAt: now });
  });
}

/** Record first, then the task: a reader never finds a settled task without its record. */
async function moveWithRecord(from: string, dest: string, record: ResultRecord): Promise<void> {
  await writeJsonAtomic(dest + RESULT_SUFFIX, record);
  try {
    await rename(from, dest);
  } catch (err) {
    await unlink(dest + RESULT_SUFFIX).catch(() => {});
    throw err;
  }
}

/**
 * Moves a task into `dir` under a name nothing there has (`move` does it, given the name): one move into
 * a folder at a time, so a claim and a retry, or two settles, never pick the same free name and overwrite.
 */
function intoFreeName(dir: string, name: string, move: (dest: string) => Promise<void>): Promise<string> {
  return serially(`queue:${dir}`, async () => {
    const dest = await freeName(dir, name);
    await move(dest);
    return dest;
  });
}

/** `dir/name`, or `dir/<stem>.2.md`, ... when a file of that name is already there. */
async function freeName(dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 1; ; i++) {
    const candidate = join(dir, i === 1 ? name : `${stem}.${i}${ext}`);
    if (!(await exists(candidate))) return candidate;
  }
}
