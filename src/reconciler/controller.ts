import { watch, type FSWatcher } from 'chokidar';
import { watch as fsWatch, type FSWatcher as FsWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { isDirectory } from '../util/fs.js';
import { ensureQueueDirs } from '../tasks/store.js';
import { pruneWorktrees } from '../git/worktree.js';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfigFile, loadDesired } from '../config/load.js';
import { formatConfigError, type DesiredState, type ProjectSpec } from '../config/types.js';
import { realClock, type Clock } from '../machines/clock.js';
import { Slots } from '../machines/slots.js';
import { backendLockFile, createBackend } from '../backend/factory.js';
import type { SessionBackend } from '../backend/session-backend.js';
import { acquireLock } from './lock.js';
import { Loop, TerminalError } from './loop.js';
import { Reconciler } from './reconciler.js';
import { sessionStatus, writeStatusFile, type StatusFile } from '../status/status-file.js';
import { Controls } from '../controls/controls.js';
import { Metrics } from '../metrics/metrics.js';
import { SlotJournal } from '../status/journal.js';
import { taskId } from '../tasks/task-id.js';
import type { Server } from 'node:http';
import { requestsDir } from '../controls/requests.js';

export interface ControllerOptions {
  configFile: string;
  log: Logger;
  clock?: Clock;
  /** For tests; by default the backend factory's (tmux on the configured socket). */
  backend?: (d: DesiredState) => SessionBackend;
  /** Take the single-instance lock (not for dry runs). */
  lock?: boolean;
}

/**
 * The running controller and the composition root: it builds the backend, the slot machines, the
 * reconciler and its loop, and owns the triggers that wake it (the config file, the inboxes, the agents'
 * event files, timers). Triggers carry no state; every pass observes afresh.
 */
export class Controller {
  readonly reconciler: Reconciler;
  readonly slots: Slots;
  readonly backend: SessionBackend;
  readonly metrics = new Metrics();
  private metricsServer: Server | null = null;
  private readonly controls: Controls;
  private readonly loop: Loop;
  private watchers: FSWatcher[] = [];
  private inboxWatchers: FsWatcher[] = [];
  /** Between start() and stop(). */
  private running = false;
  private releaseLock: (() => Promise<void>) | null = null;
  /** For the status file: when each slot entered its state, why its last attempt failed, the config's history. */
  private readonly journal = new SlotJournal();
  private readonly startedAt = Date.now();
  private generation = 1;
  private lastReload: StatusFile['lastReload'] = null;

  private constructor(private readonly o: ControllerOptions, private desired: DesiredState) {
    const clock = o.clock ?? realClock;
    this.backend = o.backend ? o.backend(desired) : createBackend(desired, 'controller');
    // A session killed or made behind its back is looked at now, not at the next resync.
    this.backend.onChange?.(() => this.wake('tmux sessions changed'));
    this.slots = new Slots(
      clock,
      (t) => {
        // One line per thing that happened: an action's note and the transition it caused together.
        const task = t.task ? { task: t.task, ...taskId(this.desired, t.task) } : {};
        o.log.info({ session: t.session, from: t.from, to: t.to, event: t.event, ...task, ...(t.reason ? { reason: t.reason } : {}), ...t.note?.fields }, t.note?.msg ?? 'transition');
        if (t.from === t.to) return;
        this.metrics.transition(t.from, t.to);
        this.journal.note(t, clock.now(), t.to === 'stopping' && this.slots.view(t.session).verdict?.outcome !== 'done');
      },
      () => this.wake('timer'),
    );
    this.reconciler = new Reconciler(
      { backend: this.backend, slots: this.slots, clock, log: o.log, wake: (afterMs) => (afterMs ? this.wakeAfter(afterMs) : this.wake('action finished')), cordoned: () => this.controls.cordoned, events: this.metrics },
      desired,
    );
    this.controls = new Controls({
      stateDir: desired.controller.stateDir, slots: this.slots, log: o.log, now: () => clock.now(),
      busy: (s) => this.reconciler.busy(s), claiming: (p) => this.reconciler.isClaiming(p),
      activeTasks: () => this.reconciler.lastSnapshot?.queues.flatMap((q) => q.active) ?? [],
    });
    this.loop = new Loop({
      pass: async () => {
        try {
          // A person's requests (retry, cancel, cordon) first: the pass then plans with them.
          if (this.releaseLock) await this.controls.handle(this.desired).catch((err: Error) => o.log.error({ err: err.message }, 'could not read the control requests'));
          const started = performance.now();
          const r = await this.reconciler.pass().catch((err: unknown) => {
            this.metrics.error('pass');
            throw err;
          });
          const snap = this.reconciler.lastSnapshot;
          if (snap) this.metrics.observePass(this.desired, snap, this.slots.views(), (performance.now() - started) / 1000);
          return r;
        } finally {
          await this.writeStatus();
        }
      },
      resyncMs: () => this.desired.controller.resyncMs,
      log: o.log,
    });
  }

  static async create(o: ControllerOptions): Promise<Controller> {
    const desired = await loadDesired(o.configFile);
    const c = new Controller(o, desired);
    await c.controls.load();
    if (o.lock !== false) {
      // One controller per tmux server, whatever its state directory, and one per state directory.
      const releaseServer = await acquireLock(backendLockFile(desired), `the tmux server ${c.backend.label}`, o.configFile);
      try {
        const releaseState = await acquireLock(join(desired.controller.stateDir, 'controller.lock'), `the state directory ${desired.controller.stateDir}`, o.configFile);
        c.releaseLock = async () => {
          await releaseState();
          await releaseServer();
        };
      } catch (err) {
        await releaseServer();
        throw err;
      }
      await mkdir(join(desired.controller.stateDir, 'sessions'), { recursive: true, mode: 0o700 });
      await mkdir(requestsDir(desired.controller.stateDir), { recursive: true, mode: 0o700 });
    }
    return c;
  }

  get config(): DesiredState {
    return this.desired;
  }

  /** Timers and finished actions run more passes only in a running controller; `--once` is one pass. */
  private wake(why: string): void {
    if (this.running) this.loop.wake(why);
  }

  private wakeAfter(ms: number): void {
    if (this.running) this.loop.wakeAfter(ms, 'retry after a failed action');
  }

  /** Runs until stop(): reconciles now, on every trigger and on the periodic resync. */
  start(): void {
    this.running = true;
    this.watchConfig();
    const at = this.desired.controller.metrics;
    if (at) void this.metrics.serve(at, this.o.log).then((s) => {
      if (this.running) this.metricsServer = s;
      else s?.close();
    });
    // The first pass scans the inboxes, and the watchers need them: create them first. What a controller
    // killed before us left attached to the server goes before it can hold the server (tmux/strays.ts).
    void Promise.all([this.prepareProjects(), this.reconciler.sweep()]).finally(() => {
      if (!this.running) return; // stopped meanwhile
      this.watchWork();
      this.loop.wake('start');
    });
  }

  /** One pass, then wait for its actions to finish. Returns what the pass could not see (blindSpots). */
  async once(): Promise<string[]> {
    await Promise.all([this.prepareProjects(), this.reconciler.sweep()]);
    // A hopeless backend is one of the blind spots the pass reported; --once says so with its exit code.
    await this.reconciler.pass().catch((err: unknown) => {
      if (!(err instanceof TerminalError)) throw err;
    });
    await this.reconciler.idle();
    await this.writeStatus();
    return this.reconciler.lastBlindSpots;
  }

  /** Re-reads the config; an invalid file is reported and the last good config stays in force. */
  async reload(why: string): Promise<boolean> {
    const r = await loadConfigFile(this.o.configFile);
    if ('errors' in r) {
      this.metrics.reload(false);
      this.lastReload = { at: Date.now(), ok: false, errors: r.errors.map(formatConfigError) };
      for (const e of r.errors) this.o.log.error(formatConfigError(e));
      this.o.log.error({ errors: r.errors.length }, `config ${this.o.configFile} is invalid; keeping the last good config`);
      return false;
    }
    const next = r.value;
    const prev = this.desired;
    if (JSON.stringify(next.tmux) !== JSON.stringify(prev.tmux) || next.pool.prefix !== prev.pool.prefix || next.controller.stateDir !== prev.controller.stateDir) {
      this.o.log.error('tmux (its socket and transport), pool.prefix and controller.stateDir cannot change while the controller runs; restart it to apply them (the rest of the edit is ignored too)');
      return false;
    }
    this.desired = next;
    this.reconciler.setDesired(next);
    this.metrics.reload(true);
    this.generation++;
    this.lastReload = { at: Date.now(), ok: true, errors: [] };
    this.o.log.info({ why, size: next.pool.size, projects: next.projects.length }, 'config reloaded');
    if (JSON.stringify(next.projects) !== JSON.stringify(prev.projects)) {
      await this.prepareProjects();
      await this.rewatchWork();
    }
    this.loop.resume('config changed');
    return true;
  }

  /** Stops taking new work and leaves running agents running; a restart adopts them. */
  async stop(): Promise<void> {
    this.running = false;
    this.metricsServer?.close();
    this.metricsServer = null;
    await Promise.all(this.watchers.map((w) => w.close()));
    this.watchers = [];
    for (const w of this.inboxWatchers.splice(0)) w.close();
    await this.loop.stop();
    await this.reconciler.idle();
    this.slots.stopAll();
    await this.backend.close?.();
    await this.releaseLock?.();
  }

  /**
   * The status file `agentpool status` reads (src/status/status-file.ts). Written after every pass of a
   * controller that holds the lock (not by dry runs); a failure to write it is logged, never fatal.
   */
  private async writeStatus(): Promise<void> {
    const snap = this.reconciler.lastSnapshot;
    if (!snap || !this.releaseLock) return;
    const d = this.desired;
    const views = new Map(this.slots.views().map((v) => [v.session, v]));
    const sessions = sessionStatus(d, snap, views, { since: this.journal.since, lastError: this.journal.lastError, cordoned: this.controls.cordoned });
    await writeStatusFile(d.controller.stateDir, {
      version: 1, pid: process.pid, config: this.o.configFile, startedAt: this.startedAt, writtenAt: Date.now(),
      generation: this.generation, lastReload: this.lastReload,
      pool: { prefix: d.pool.prefix, desired: d.pool.size, actual: sessions.filter((r) => r.role === 'pool' && r.state !== 'absent').length, agent: d.pool.agent },
      sessions, problems: this.reconciler.lastBlindSpots, repairs: [...this.reconciler.repairs], transitions: this.journal.transitions(),
    }).catch((err: Error) => this.o.log.warn({ err: err.message }, 'cannot write the status file'));
  }

  /** The projects whose folder exists but whose inbox does not: start and reload create their queue folders. */
  async projectsToPrepare(): Promise<ProjectSpec[]> {
    const out: ProjectSpec[] = [];
    for (const p of this.desired.projects) if ((await isDirectory(p.path)) && !(await isDirectory(p.inbox))) out.push(p);
    return out;
  }

  /**
   * Creates the queue folders of projects that exist (a missing project is reported by each pass), and
   * lets git forget task worktrees whose folders are gone (`git worktree prune`).
   */
  private async prepareProjects(): Promise<void> {
    for (const p of this.desired.projects) {
      if (!(await isDirectory(p.path))) continue;
      await ensureQueueDirs(p.inbox).catch((err: Error) => this.o.log.warn({ project: p.path, err: err.message }, 'cannot create the queue folders'));
      if (p.isolation === 'worktree') await pruneWorktrees(p.path).catch((err: Error) => this.o.log.warn({ project: p.path, err: err.message }, 'cannot prune the git worktrees of the project'));
    }
  }

  private watchConfig(): void {
    const w = watch(this.o.configFile, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 20 } });
    w.on('all', () => void this.reload('config file changed'));
    w.on('error', (err) => this.o.log.warn({ err: String(err) }, 'config watcher error'));
    this.watchers.push(w);
  }

  private watchWork(): void {
    const inboxes = this.desired.projects.map((p) => p.inbox);
    // inotify through fs.watch: it wakes the loop, says how each file arrived (src/tasks/arrivals.ts) and
    // which files the next scan must look at again (src/tasks/scan.ts). chokidar below covers what these
    // miss: an inbox missing now, or one removed and made again, is seen from its queue folder, and watched.
    for (const inbox of inboxes) {
      try {
        const w = fsWatch(inbox, (event, name) => {
          if (!name) return;
          this.reconciler.arrivals.note(event === 'change' ? 'change' : 'rename', join(inbox, name.toString()));
          this.loop.wake('inbox changed');
        });
        const arrivals = this.reconciler.arrivals;
        arrivals.watching(inbox, true);
        // Without its watcher, the inbox is listed whole again each pass (src/tasks/scan.ts).
        w.on('error', () => w.close());
        w.on('close', () => arrivals.watching(inbox, false));
        this.inboxWatchers.push(w);
      } catch {
        // a missing inbox: reported by the pass; its queue folder is watched below until it is there
      }
    }
    const events = join(this.desired.controller.stateDir, 'sessions');
    const requests = requestsDir(this.desired.controller.stateDir);
    const onError = (err: unknown) => this.o.log.warn({ err: String(err) }, 'watcher error; the periodic resync still runs');
    const w = watch([events, requests], { ignoreInitial: true, depth: 1 });
    w.on('all', (_ev, path) => {
      if (path.startsWith(requests)) {
        if (!path.endsWith('.reply.json')) this.loop.wake('control request');
      } else this.loop.wake('agent event');
    });
    w.on('error', onError);
    // Never the inboxes themselves: chokidar keeps a watcher and a stat per file (600 MB for 100,000 tasks).
    const queues = watch(inboxes.map((i) => dirname(i)), { ignoreInitial: true, depth: 0 });
    queues.on('addDir', (path) => {
      this.loop.wake('inbox changed');
      // An inbox that appeared, or was made again (its old watcher watches the folder that went): watch it.
      if (inboxes.includes(path)) void this.rewatchWork();
    });
    queues.on('error', onError);
    this.watchers.push(w, queues);
  }

  private async rewatchWork(): Promise<void> {
    for (const w of this.inboxWatchers.splice(0)) w.close();
    const [configWatcher, ...rest] = this.watchers;
    await Promise.all(rest.map((w) => w.close()));
    this.watchers = configWatcher ? [configWatcher] : [];
    this.watchWork();
  }
}
