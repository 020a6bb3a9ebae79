import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProjectSpec } from '../config/types.js';
import { isTaskName, notATask, queueDirs, SIDECAR_SUFFIX } from './layout.js';
import { parseTask } from './parse.js';
import type { ActiveTask, PendingTask, RejectedTask, Sidecar, TaskMeta } from './types.js';
import { isAlive } from '../util/pid.js';
import { isDirectory } from '../util/fs.js';
import { ArrivalTracker } from './arrivals.js';
import { overLimit, unknownAgent, type TaskRules } from './check.js';
import { localZone, resolveNotBefore } from './schedule.js';

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
  /** What kept the scan from seeing the queue (a missing or unreadable inbox): the pass is blind there. */
  problems: string[];
  /** What a person should hear about that hides nothing from the pass (a directory named *.md). */
  warnings: string[];
  /** The project's folder is there, but not all four of its queue folders: they are to be made. */
  unprepared?: true;
}

export interface ScanOptions extends TaskRules {
  now: number;
  settleMs: number;
}

/** What a task file says of how and when it is to be run: its priority, what it asks of its agent, what it waits for. */
type Wants = Pick<PendingTask, 'priority' | 'resume' | 'agent' | 'needsClaudeCode' | 'model' | 'timeoutMs' | 'after' | 'afterFailed'> & { notBefore?: string };

interface CacheEntry {
  key: string;
  result: Wants | { reason: string; empty?: true };
}

/**
 * Reads a project's inbox and active/ folder. Keeps a parse cache keyed by (inode, size, mtime), so a
 * steady inbox of thousands of files costs a readdir and lstats, not reads.
 */
export class QueueScanner {
  private readonly cache = new Map<string, CacheEntry>();
  /**
   * Each inbox's last full listing, kept up to date by the watcher's events (see list): its tasks' facts,
   * and the names of the files that look meant as tasks but are not (`others`).
   */
  private readonly listings = new Map<string, { at: number; files: Map<string, FileFacts>; others: Set<string>; ino: number | null }>();
  /** Inboxes whose queue folders were looked at: once, when the scanner first meets the project. */
  private readonly looked = new Set<string>();

  /** `arrivals`: what the inbox watchers saw arrive by rename (none for a one-shot scan). */
  constructor(readonly arrivals: ArrivalTracker = new ArrivalTracker()) {}

  async scan(project: ProjectSpec, opts: ScanOptions): Promise<ProjectQueue> {
    const q: ProjectQueue = { project: project.path, pending: [], rejected: [], active: [], settlingUntil: null, settling: [], problems: [], warnings: [] };
    const dirs = queueDirs(project.inbox);
    const seen = new Set<string>();
    const mark = this.arrivals.mark();
    const listing = await this.list(project, dirs.inbox, opts.now, q.problems);
    if (await this.unprepared(project)) q.unprepared = true;
    for (const name of [...(this.listings.get(dirs.inbox)?.others ?? [])].sort()) q.warnings.push(`${join(dirs.inbox, name)} is ${notATask(name)}`);
    for (const [path, st] of listing) {
      const name = path.slice(dirs.inbox.length + 1);
      seen.add(path);
      if (st.link) {
        q.rejected.push({ path, project: project.path, name, reason: 'the task is a symbolic link; agentpool only takes regular files: copy the file into the inbox instead' });
        continue;
      }
      if (st.dir) {
        q.warnings.push(`${path} is a directory named like a task; rename it (it is left alone)`);
        continue;
      }
      if (!st.file) continue;
      const big = overLimit(st.size, opts.maxBytes);
      if (big) {
        q.rejected.push({ path, project: project.path, name, reason: big });
        continue;
      }
      // A file renamed into the inbox after being written is complete: the watcher saw it arrive by rename,
      // or its ctime is past its mtime. One written in place is taken once unchanged for settleMs. (An empty
      // file is never taken as complete: it may be one just created, about to be written.)
      const renamedIn = st.size > 0 && (this.arrivals.renamedIn(path) || st.ctimeMs > st.mtimeMs);
      const settlesAt = st.mtimeMs + opts.settleMs;
      const settling = !renamedIn && settlesAt > opts.now;
      if (settling) q.settlingUntil = Math.min(q.settlingUntil ?? Infinity, settlesAt);
      const key = st.key;
      let entry = this.cache.get(path);
      if (!entry || entry.key !== key) {
        const bytes = await readFile(path).catch(() => null);
        if (!bytes) continue;
        const parsed = parseTask(bytes);
        entry = { key, result: parsed.ok ? wants(parsed.task.meta) : { reason: parsed.reason, ...(parsed.empty ? { empty: true as const } : {}) } };
        this.cache.set(path, entry);
      }
      if ('empty' in entry.result) {
        // One created before it is written (`touch`, an editor's first save): it waits for its text, however
        // long that takes; failing it would leave the person's save to make a second task of the same name.
        q.warnings.push(`${path} is empty: it waits until a task is written in it`);
      } else if (settling) {
        // Read while it settles, for its priority only; a half-written file that does not parse yet says nothing.
        if (!('reason' in entry.result)) q.settling.push(inboxTask(project, path, name, entry.result, st.mtimeMs, opts.timeZone ?? localZone()));
      } else {
        const reason = 'reason' in entry.result ? entry.result.reason : unknownAgent(entry.result.agent, opts.agents);
        if (reason !== null) q.rejected.push({ path, project: project.path, name, reason });
        else q.pending.push(inboxTask(project, path, name, entry.result as Wants, st.mtimeMs, opts.timeZone ?? localZone()));
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
          ...asked(a.sidecar), ...(a.sidecar.parked ? { parked: a.sidecar.parked } : {}),
        });
      }
    }
    return q;
  }

  /**
   * Whether the project's folder is there without all of its queue folders, the first time this scanner
   * meets the project (a controller's start, a reload that adds it, a dry run): they are made then, as a
   * starting controller makes them. Folders removed later are reported, never made again behind a person
   * who may be deleting the project (`rm -r` racing a mkdir leaves a folder they meant to remove).
   */
  private async unprepared(project: ProjectSpec): Promise<boolean> {
    if (this.looked.has(project.inbox)) return false;
    this.looked.add(project.inbox);
    const dirs = Object.values(queueDirs(project.inbox));
    if ((await Promise.all(dirs.map(isDirectory))).every(Boolean)) return false;
    return isDirectory(project.path);
  }

  /**
   * The inbox's task files and what lstat says of each. Where a watcher reports every change to the inbox
   * (the running controller), only the files its events named are looked at again, so a steady inbox of
   * 100,000 files costs nothing per pass; the whole folder is listed again every FULL_LIST_MS anyway (an
   * event lost to an inotify overflow is caught then), and always by a one-shot scan.
   */
  private async list(project: ProjectSpec, inbox: string, now: number, problems: string[]): Promise<Map<string, FileFacts>> {
    const touched = this.arrivals.takeTouched(inbox);
    const last = this.listings.get(inbox);
    // The same folder as listed: one removed and made again is not the one the watcher watches.
    const ino = await lstat(inbox).then((st) => st.ino, () => null);
    if (this.arrivals.coversSinceLastLook(inbox) && last && now - last.at < FULL_LIST_MS && ino === last.ino) {
      const name = (p: string) => p.slice(inbox.length + 1);
      const paths = touched.filter((p) => !name(p).includes('/') && (isTaskName(name(p)) || notATask(name(p))));
      const facts = await lstatAll(paths);
      for (const path of touched) {
        const st = facts.get(path);
        if (notATask(name(path))) {
          if (st?.file) last.others.add(name(path));
          else last.others.delete(name(path));
        } else if (st) last.files.set(path, st);
        else last.files.delete(path);
      }
      return last.files;
    }
    let names: string[];
    try {
      names = await readdir(inbox);
    } catch (err) {
      problems.push(describeDirError(project, inbox, err));
      this.listings.delete(inbox);
      return new Map();
    }
    const files = await lstatAll(names.filter(isTaskName).map((n) => join(inbox, n)));
    const maybe = await lstatAll(names.filter((n) => notATask(n)).map((n) => join(inbox, n)));
    const others = new Set([...maybe].filter(([, st]) => st.file).map(([path]) => path.slice(inbox.length + 1)));
    this.listings.set(inbox, { at: now, files, others, ino });
    return files;
  }
}

/** How long a watched inbox's listing is trusted before the folder is listed again. */
const FULL_LIST_MS = 60_000;
const LSTAT_BATCH = 512;

/** What the scan needs of a file's lstat; `key` changes when its content may have. */
interface FileFacts {
  link: boolean;
  dir: boolean;
  file: boolean;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  key: string;
}

/** lstat of `paths` in parallel, a batch at a time (one by one, 100,000 files took 20 s); the missing left out. */
async function lstatAll(paths: readonly string[]): Promise<Map<string, FileFacts>> {
  const files = new Map<string, FileFacts>();
  for (let i = 0; i < paths.length; i += LSTAT_BATCH) {
    const batch = paths.slice(i, i + LSTAT_BATCH);
    const facts = await Promise.all(batch.map(factsOf));
    batch.forEach((p, k) => facts[k] && files.set(p, facts[k]!));
  }
  return files;
}

async function factsOf(path: string): Promise<FileFacts | null> {
  const st = await lstat(path).catch(() => null);
  if (!st) return null; // removed between listing and now: nothing to do
  return {
    link: st.isSymbolicLink(), dir: st.isDirectory(), file: st.isFile(), size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs,
    key: `${st.ino}:${st.size}:${st.mtimeMs}`,
  };
}

export async function scanActive(project: ProjectSpec, dir: string): Promise<ActiveTask[]> {
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

/** The parts of a task's front matter the planner needs, without keys for what it does not say. */
function wants(meta: TaskMeta): Wants {
  const { priority, resume, agent, needsClaudeCode, model, timeoutMs, after, afterFailed, notBefore } = meta;
  return { priority, ...said({ resume: resume !== undefined || undefined, agent, needsClaudeCode, model, timeoutMs, after, afterFailed, notBefore }) } as Wants;
}

/** An inbox file that reads as a task; `not_before:` is read against its arrival, in `timeZone`. */
function inboxTask(project: ProjectSpec, path: string, name: string, w: Wants, arrivedAt: number, timeZone: string): PendingTask {
  const { notBefore, ...rest } = w;
  return { path, project: project.path, name, ...rest, arrivedAt, attempts: 0, notBefore: notBefore ? resolveNotBefore(notBefore, arrivedAt, timeZone) : 0, where: 'inbox' };
}

type Asks = Pick<PendingTask, 'agent' | 'needsClaudeCode' | 'model' | 'timeoutMs' | 'after' | 'afterFailed'>;

/**
 * What a task asks of its agent and what it waits for, as its sidecar keeps it (a claim or a retry writes
 * it there, so that its retries ask the same): from its front matter or its pending entry.
 */
export function asks(t: Omit<Asks, 'needsClaudeCode'> & { needsClaudeCode?: boolean }): Pick<Sidecar, 'agent' | 'needsClaudeCode' | 'askedModel' | 'timeoutMs' | 'after' | 'afterFailed'> {
  const { agent, needsClaudeCode, model: askedModel, timeoutMs, after, afterFailed } = t;
  return said({ agent, needsClaudeCode, askedModel, timeoutMs, after, afterFailed });
}

/** What a queued retry asks of its agent and waits for, from its sidecar. */
function asked(s: Sidecar): Asks {
  const { agent, needsClaudeCode, askedModel: model, timeoutMs, after, afterFailed } = s;
  return said({ agent, needsClaudeCode, model, timeoutMs, after, afterFailed });
}

/** `o` without the keys a task does not say (undefined, or a flag that is false): records keep none for them. */
function said<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined | false> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== false)) as { [K in keyof T]?: Exclude<T[K], undefined | false> };
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
