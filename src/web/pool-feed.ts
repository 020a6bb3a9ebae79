import { watch, type FSWatcher } from 'node:fs';
import type { TaskRow } from '../tasks/list.js';
import type { PoolView } from './views.js';

/**
 * What changed between two views of the pool, as the pool page's stream sends it: the sessions and tasks
 * that are new or differ (whole), the keys of those that went, and the rest of the view when it changed.
 * `full`: the whole view (a page's first message), to be taken instead of what the page had.
 */
export interface PoolDelta {
  full: boolean;
  at: number;
  head?: Pick<PoolView, 'controller' | 'pool' | 'problems'>;
  sessions: unknown[];
  goneSessions: string[];
  tasks: TaskRow[];
  goneTasks: string[];
}

/** A task's key on the page: its project and file name. */
export const taskKey = (t: Pick<TaskRow, 'project' | 'name'>): string => `${t.project}/${t.name}`;
const sessionKey = (s: unknown): string => (s as { session: string }).session;

/** The view as keyed JSON, for comparing the next one with. */
export interface Keyed {
  head: string;
  sessions: Map<string, string>;
  tasks: Map<string, string>;
}

export function keyed(v: PoolView): Keyed {
  return {
    head: JSON.stringify([v.controller, v.pool, v.problems]),
    sessions: new Map(v.sessions.map((s) => [sessionKey(s), JSON.stringify(s)])),
    tasks: new Map(v.tasks.map((t) => [taskKey(t), JSON.stringify(t)])),
  };
}

/** Pure: what `next` changed of `prev` (null: nothing); with no `prev`, the whole view. */
export function poolDelta(prev: Keyed | null, next: PoolView, nextKeyed = keyed(next)): PoolDelta | null {
  const head = { controller: next.controller, pool: next.pool, problems: next.problems };
  if (!prev) return { full: true, at: next.at, head, sessions: next.sessions, goneSessions: [], tasks: next.tasks, goneTasks: [] };
  const sessions = next.sessions.filter((s) => prev.sessions.get(sessionKey(s)) !== nextKeyed.sessions.get(sessionKey(s)));
  const tasks = next.tasks.filter((t) => prev.tasks.get(taskKey(t)) !== nextKeyed.tasks.get(taskKey(t)));
  const goneSessions = [...prev.sessions.keys()].filter((k) => !nextKeyed.sessions.has(k));
  const goneTasks = [...prev.tasks.keys()].filter((k) => !nextKeyed.tasks.has(k));
  const headChanged = prev.head !== nextKeyed.head;
  if (!headChanged && !sessions.length && !tasks.length && !goneSessions.length && !goneTasks.length) return null;
  return { full: false, at: next.at, ...(headChanged ? { head } : {}), sessions, goneSessions, tasks, goneTasks };
}

/** How long after the status file changed the view is read (its writes come in bursts). */
const SETTLE_MS = 30;
/** A look anyway, for changes no pass of the controller follows at once (a file dropped into an inbox). */
const LOOK_MS = 1_000;

/**
 * The pool page's live feed (issue 28), one per server whatever the number of pages: it reads the view once
 * per change (the controller replaces its status file after every pass) and sends each page only what
 * changed, so a page of 200 sessions gets the few tiles that moved instead of the whole pool again. A
 * page's first message is the whole view. It looks only while a page listens.
 */
export class PoolFeed {
  private last: { view: PoolView; keyed: Keyed } | null = null;
  private readonly listeners = new Set<(d: PoolDelta | null) => void>();
  private watcher: FSWatcher | null = null;
  private every: NodeJS.Timeout | null = null;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | null = null;
  private again = false;

  constructor(private readonly stateDir: string, private readonly read: () => Promise<PoolView>) {}

  /** Ends every page's stream and stops looking (the server closes). */
  close(): void {
    for (const fn of this.listeners) fn(null);
    this.listeners.clear();
    this.stop();
  }

  /** Calls `fn` with the whole view, then with each change (null: the feed closed); returns how to stop. */
  listen(fn: (d: PoolDelta | null) => void): () => void {
    this.listeners.add(fn);
    if (this.listeners.size === 1) this.start();
    void this.whole().then((v) => this.listeners.has(fn) && fn(poolDelta(null, v)!), () => {});
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) this.stop();
    };
  }

  private async whole(): Promise<PoolView> {
    // Until a read succeeds (a folder being made, a status file being replaced), again a little later.
    for (let i = 0; !this.last; i++) {
      await this.refresh().catch(() => new Promise((r) => setTimeout(r, Math.min(1_000, 50 * 2 ** i))));
      if (this.listeners.size === 0) throw new Error('no one listens');
    }
    return this.last.view;
  }

  private start(): void {
    this.watcher = watch(this.stateDir, (_event, name) => {
      if (name === 'status.json') this.soon();
    });
    this.watcher.on('error', () => {});
    this.every = setInterval(() => this.soon(), LOOK_MS);
  }

  private stop(): void {
    this.watcher?.close();
    this.watcher = null;
    clearInterval(this.every ?? undefined);
    clearTimeout(this.timer);
    this.last = null;
  }

  private soon(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh().catch(() => {}), SETTLE_MS);
  }

  /** Reads the view once (a change while it reads reads it again after) and sends what changed. */
  private refresh(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        const view = await this.read();
        const k = keyed(view);
        const delta = this.last ? poolDelta(this.last.keyed, view, k) : null;
        this.last = { view, keyed: k };
        if (delta) for (const fn of this.listeners) fn(delta);
      } while (this.again);
    })().finally(() => (this.reading = null));
    return this.reading;
  }
}
