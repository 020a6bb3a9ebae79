import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProjectSpec } from '../config/types.js';
import { isTaskName, queueDirs, SIDECAR_SUFFIX } from './layout.js';
import { parseTask } from './parse.js';
import type { ActiveTask, PendingTask, RejectedTask, Sidecar } from './types.js';
import { isAlive } from '../util/pid.js';
import { ArrivalTracker } from './arrivals.js';

/** What one project's queue looks like now. */
export interface ProjectQueue {
  project: string;
  pending: PendingTask[];
  rejected: RejectedTask[];
  active: ActiveTask[];
  /** Files not yet settled (still being written); the soonest time one may settle. */
  settlingUntil: number | null;
  /**
   * The settling files that read as tasks so far, with their priority: none is claimed, but a slot waits
   * for one rather than give it to lower-priority work (for at most `settle`).
   */
  settling: PendingTask[];
  /** Problems a person should hear about (missing inbox, a directory named *.md, ...). */
  problems: string[];
}

export interface ScanOptions {
  now: number;
  settleMs: number;
  maxBytes: number;
}

interface CacheEntry {
  key: string;
  result: { priority: PendingTask['priority'] } | { reason: string };
}

/**
 * Reads a project's inbox and active/ folder. Keeps a parse cache keyed by (inode, size, mtime), so a
 * steady inbox of thousands of files costs a readdir and lstats, not reads.
 */
export class QueueScanner {
  private readonly cache = new Map<string, CacheEntry>();

  /** `arrivals`: what the inbox watchers saw arrive by rename (none for a one-shot scan). */
  constructor(readonly arrivals: ArrivalTracker = new ArrivalTracker()) {}

  async scan(project: ProjectSpec, opts: ScanOptions): Promise<ProjectQueue> {
    const q: ProjectQueue = { project: project.path, pending: [], rejected: [], active: [], settlingUntil: null, settling: [], problems: [] };
    const dirs = queueDirs(project.inbox);
    const seen = new Set<string>();
    const mark = this.arrivals.mark();
    let names: string[];
    try {
      names = await readdir(dirs.inbox);
    } catch (err) {
      q.problems.push(describeDirError(project, dirs.inbox, err));
      names = [];
    }
    for (const name of names) {
      if (!isTaskName(name)) continue;
      const path = join(dirs.inbox, name);
      seen.add(path);
      const st = await lstat(path).catch(() => null);
      if (!st) continue; // removed between listing and now: nothing to do
      if (st.isSymbolicLink()) {
        q.rejected.push({ path, project: project.path, name, reason: 'the task is a symbolic link; agentpool only takes regular files: copy the file into the inbox instead' });
        continue;
      }
      if (st.isDirectory()) {
        q.problems.push(`${path} is a directory named like a task; rename it (it is left alone)`);
        continue;
      }
      if (!st.isFile()) continue;
      if (st.size > opts.maxBytes) {
        q.rejected.push({ path, project: project.path, name, reason: `the file is ${st.size} bytes, over the limit of ${opts.maxBytes} (tasks.maxBytes): split it or raise the limit` });
        continue;
      }
      // A file renamed into the inbox after being written is complete: the watcher saw it arrive by rename,
      // or its ctime is past its mtime. One written in place is taken once unchanged for settleMs. (An empty
      // file is never taken as complete: it may be one just created, about to be written.)
      const renamedIn = st.size > 0 && (this.arrivals.renamedIn(path) || st.ctimeMs > st.mtimeMs);
      const settlesAt = st.mtimeMs + opts.settleMs;
      const settling = !renamedIn && settlesAt > opts.now;
      if (settling) q.settlingUntil = Math.min(q.settlingUntil ?? Infinity, settlesAt);
      const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
      let entry = this.cache.get(path);
      if (!entry || entry.key !== key) {
        const bytes = await readFile(path).catch(() => null);
        if (!bytes) continue;
        const parsed = parseTask(bytes);
        entry = { key, result: parsed.ok ? { priority: parsed.task.meta.priority } : { reason: parsed.reason } };
        this.cache.set(path, entry);
      }
      if (settling) {
        // Read while it settles, for its priority only; a half-written file that does not parse yet says nothing.
        if (!('reason' in entry.result)) q.settling.push({ path, project: project.path, name, priority: entry.result.priority, arrivedAt: st.mtimeMs, attempts: 0, notBefore: 0, where: 'inbox' });
      } else if ('reason' in entry.result) {
        q.rejected.push({ path, project: project.path, name, reason: entry.result.reason });
      } else {
        q.pending.push({ path, project: project.path, name, priority: entry.result.priority, arrivedAt: st.mtimeMs, attempts: 0, notBefore: 0, where: 'inbox' });
      }
    }
    for (const path of this.cache.keys()) if (path.startsWith(dirs.inbox) && !seen.has(path)) this.cache.delete(path);
    this.arrivals.keepOnly(seen, dirs.inbox, mark);
    q.active = await scanActive(project, dirs.active);
    for (const a of q.active) {
      if (a.sidecar.state === 'queued') {
        q.pending.push({
          path: a.path, project: project.path, name: a.name, priority: a.sidecar.priority,
          arrivedAt: a.sidecar.arrivedAt, attempts: a.sidecar.attempts, notBefore: a.sidecar.notBefore, where: 'active',
        });
      }
    }
    return q;
  }
}

async function scanActive(project: ProjectSpec, dir: string): Promise<ActiveTask[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const claiming = claimsInProgress(names);
  const out: ActiveTask[] = [];
  for (const name of names) {
    if (!isTaskName(name)) continue;
    const path = join(dir, name);
    const sidecar = await readSidecar(`${path}${SIDECAR_SUFFIX}`);
    const st = sidecar ? null : await lstat(path).catch(() => null);
    if (!sidecar && (!st || claiming.has(name))) continue;
    // A task renamed into active/ whose sidecar was never written was claimed but never sent: queue it again.
    out.push({ path, project: project.path, name, sidecar: sidecar ?? freshSidecar(project.path, name, st!.mtimeMs) });
  }
  return out;
}

/**
 * Tasks whose claim is between its two renames (see claimTask): a live process holds a pending sidecar
 * `.<name>.<pid>.<uuid>.state.json`. One left by a dead process does not count.
 */
function claimsInProgress(names: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const n of names) {
    const m = /^\.(.+\.md)\.(\d+)\.[0-9a-f-]+\.state\.json$/.exec(n);
    if (m && isAlive(Number(m[2]))) out.add(m[1]!);
  }
  return out;
}

export async function readSidecar(path: string): Promise<Sidecar | null> {
  try {
    const s = JSON.parse(await readFile(path, 'utf8')) as Sidecar;
    return s && s.version === 1 ? s : null;
  } catch {
    return null;
  }
}

export function freshSidecar(project: string, task: string, arrivedAt: number, priority: Sidecar['priority'] = 'default'): Sidecar {
  return {
    version: 1, task, project, priority, arrivedAt, attempts: 0, state: 'queued', session: null, model: null,
    agentSessionId: null, transcriptPath: null, claimedAt: null, launchedAt: null, submittedAt: null, notBefore: 0, history: [],
  };
}

function describeDirError(project: ProjectSpec, dir: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `the inbox ${dir} of project ${project.name} does not exist: create it (or the project folder ${project.path})`;
  if (code === 'EACCES') return `the inbox ${dir} of project ${project.name} is not readable: fix its permissions`;
  if (code === 'ENOTDIR') return `the inbox ${dir} of project ${project.name} is not a directory`;
  return `cannot read the inbox ${dir} of project ${project.name}: ${(err as Error).message}`;
}
