import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfigFile, loadDesired } from '../config/load.js';
import type { DesiredState } from '../config/types.js';
import { realClock, type Clock } from '../machines/clock.js';
import { Slots } from '../machines/slots.js';
import { backendLockFile, createBackend } from '../backend/factory.js';
import type { SessionBackend } from '../backend/session-backend.js';
import { acquireControllerLocks } from './lock.js';
import { Loop, TerminalError } from './loop.js';
import { Reconciler } from './reconciler.js';
import { StatusWriter } from '../status/status-writer.js';
import { readCordoned } from '../controls/cordoned.js';
import { LazyMetrics } from '../metrics/lazy.js';
import { taskId } from '../tasks/task-id.js';
import { postRequest, requestsDir } from '../controls/requests.js';
import { Triggers } from './triggers.js';
import { judgeReload } from './reload.js';
import { FleetRuntime } from '../fleet/runtime.js';
import { desiredSlots } from '../config/pool.js';
import { serially } from '../util/serial.js';

/** How soon after a transition the status file shows it, at the latest, when no pass ends first. */
const STATUS_SOON_MS = 100;

export interface ControllerOptions {
  configFile: string;
  log: Logger;
  clock?: Clock;
  /** For tests; by default the backend factory's (tmux on the configured socket). */
  backend?: (d: DesiredState) => SessionBackend;
  /** Take the single-instance lock (not for dry runs). */
  lock?: boolean;
  /** Serves the web dashboard on `controller.web` (src/web/, which the command line passes in). */
  serveWeb?: (d: () => DesiredState, at: { host: string; port: number }, log: Logger) => Promise<{ close(): void }>;
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
  readonly metrics = new LazyMetrics();
  /** The last refused edit's message: a file seen changed again with the same problems is not logged again. */
  private lastRefusal: string | null = null;
  private readonly loop: Loop;
  private readonly triggers: Triggers;
  /** Between start() and stop(). */
  private running = false;
  private releaseLock: (() => Promise<void>) | null = null;
  /** A status write asked for by a transition in the middle of a pass, not yet done. */
  private statusTimer: NodeJS.Timeout | null = null;
  /** The status file, and what it shows besides the machines: when each slot entered its state, the reloads. */
  private readonly status: StatusWriter;

  /** Fleet mode (src/fleet/): its engine, front door and host; null without `fleet:` in the config. */
  private fleet: FleetRuntime | null = null;
  /** The config as the file says it; `desired` is it with the fleet's projects (fleet/overlay.ts). */
  private fileDesired: DesiredState;

  private constructor(private readonly o: ControllerOptions, private desired: DesiredState) {
    this.fileDesired = desired;
    const clock = o.clock ?? realClock;
    this.status = new StatusWriter(o.configFile, o.log);
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
        const ended = t.to !== 'stopping' ? null : this.slots.view(t.session).verdict?.outcome === 'done' ? 'done' : 'failed';
        this.status.journal.note(t, clock.now(), ended);
        this.statusSoon();
      },
      () => this.wake('timer'),
    );
    this.reconciler = new Reconciler(
      {
        backend: this.backend, slots: this.slots, clock, log: o.log, wake: (afterMs) => (afterMs ? this.wakeAfter(afterMs) : this.wake('action finished')), events: this.metrics,
        fleet: {
          add: (d, task, ask) => (this.fleet?.frontDoor ? this.fleet.frontDoor.add(d, task, ask) : Promise.reject(new Error('this controller is no fleet front door'))),
          cancel: (f) => (this.fleet?.frontDoor ? this.fleet.frontDoor.cancel(f) : Promise.reject(new Error('this controller is no fleet front door'))),
        },
      },
      desired,
    );
    this.loop = new Loop({
      pass: async () => {
        try {
          const started = performance.now();
          const r = await this.reconciler.pass().catch((err: unknown) => {
            this.metrics.error('pass');
            throw err;
          });
          const snap = this.reconciler.lastSnapshot;
          if (snap) this.metrics.observePass(this.desired, snap, this.slots.views(), (performance.now() - started) / 1000);
          // The pass created queue folders: watch the inboxes in them.
          if (snap?.unprepared?.length && this.running) await this.triggers.rewatchWork();
          return r;
        } finally {
          await this.writeStatus();
        }
      },
      resyncMs: () => this.desired.controller.resyncMs,
      log: o.log,
    });
    this.triggers = new Triggers({
      configFile: o.configFile, log: o.log, desired: () => this.desired, arrivals: this.reconciler.arrivals,
      wake: (why) => this.loop.wake(why), reload: (why) => void this.reload(why),
    });
  }

  static async create(o: ControllerOptions): Promise<Controller> {
    const desired = await loadDesired(o.configFile);
    const c = new Controller(o, desired);
    c.fleet = await FleetRuntime.create(desired, o.log, {
      checkoutsChanged: () => c.refreshFleet(),
      cancel: async (path) => (await postRequest(desired.controller.stateDir, 'cancel', path)).replyFile,
      freeSlots: () => c.freeSlots(),
      onView: (view, held) => c.metrics.fleet(view, held),
      slots: () => desiredSlots(c.desired).map((session) => {
        const v = c.slots.view(session);
        return { session, state: v.state, task: v.task ? basename(v.task) : null };
      }),
    });
    if (c.fleet) await c.refreshFleet();
    if (desired.controller.metrics) await c.metrics.load();
    if (o.lock !== false) {
      c.releaseLock = await acquireControllerLocks(backendLockFile(desired), c.backend.label, desired.controller.stateDir, o.configFile);
      await mkdir(join(desired.controller.stateDir, 'sessions'), { recursive: true, mode: 0o700 });
      await mkdir(requestsDir(desired.controller.stateDir), { recursive: true, mode: 0o700 });
      await c.status.restore(desired.controller.stateDir);
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

  /** The pool's slots that would take a task now: idle or with a warm agent, not cordoned, not draining. */
  private freeSlots(): number {
    const cordoned = this.reconciler.lastSnapshot?.cordoned;
    return desiredSlots(this.desired).filter((name) => {
      const v = this.slots.view(name);
      return (v.state === 'idle' || v.state === 'ready' || v.state === 'warming') && !v.draining && !cordoned?.has(name);
    }).length;
  }

  /** The desired state again from the file's and the fleet's clones (a host made one): the new projects are watched. */
  private async refreshFleet(): Promise<void> {
    if (!this.fleet) return;
    const prev = this.desired;
    const next = (this.desired = await this.fleet.overlay(this.fileDesired));
    this.reconciler.setDesired(next);
    if (this.running && JSON.stringify(next.projects) !== JSON.stringify(prev.projects)) await this.triggers.rewatchWork();
    this.wake('fleet projects changed');
  }

  /** The dashboard this controller serves (`controller.web`), once it listens. */
  private web: { close(): void } | null = null;

  /** Runs until stop(): reconciles now, on every trigger and on the periodic resync. */
  start(): void {
    this.running = true;
    const at = this.desired.controller.web;
    if (at && this.o.serveWeb) {
      void this.o.serveWeb(() => this.desired, at, this.o.log).then((s) => {
        if (this.running) this.web = s;
        else s.close();
      }).catch((err: Error) => this.o.log.error({ err: err.message }, 'the dashboard (controller.web) is not served'));
    }
    void this.fleet?.start(() => this.desired).catch((err: Error) => this.o.log.error({ err: err.message }, 'fleet mode could not start'));
    this.triggers.watchConfig();
    void this.metrics.listen(this.desired.controller.metrics, this.o.log);
    // What a controller killed before us left attached to the server goes before it can hold the server
    // (tmux/strays.ts). The first pass creates missing queue folders, then their inboxes are watched.
    void this.reconciler.sweep().finally(() => {
      if (!this.running) return; // stopped meanwhile
      this.triggers.watchWork();
      this.loop.wake('start');
    });
  }

  /** One pass, then wait for its actions to finish. Returns what the pass could not see (blindSpots). */
  async once(): Promise<string[]> {
    await this.reconciler.sweep();
    // A hopeless backend is one of the blind spots the pass reported; --once says so with its exit code.
    await this.reconciler.pass().catch((err: unknown) => {
      if (!(err instanceof TerminalError)) throw err;
    });
    await this.reconciler.idle();
    await this.writeStatus();
    return this.reconciler.lastBlindSpots;
  }

  /**
   * Re-reads the config; an invalid file or an edit of a key fixed for the controller's life is reported
   * (once, however many times the file is seen changed) and the last good config stays in force.
   */
  async reload(why: string): Promise<boolean> {
    const verdict = judgeReload(this.o.configFile, this.desired, await loadConfigFile(this.o.configFile));
    this.metrics.reload(verdict.ok);
    this.status.reloaded(verdict.ok ? [] : verdict.problems);
    const refusal = verdict.ok ? null : verdict.message;
    if (refusal && refusal !== this.lastRefusal) this.o.log.error(refusal);
    this.lastRefusal = refusal;
    if (!verdict.ok) return false;
    const prev = this.desired;
    this.fileDesired = verdict.next;
    const next = (this.desired = this.fleet ? await this.fleet.overlay(verdict.next) : verdict.next);
    this.reconciler.setDesired(next);
    void this.metrics.listen(next.controller.metrics, this.o.log);
    this.o.log.info({ why, size: next.pool.size, projects: next.projects.length }, 'config reloaded');
    if (JSON.stringify(next.projects) !== JSON.stringify(prev.projects)) await this.triggers.rewatchWork();
    this.loop.resume('config changed');
    return true;
  }

  /** Stops taking new work and leaves running agents running; a restart adopts them. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.statusTimer ?? undefined);
    this.statusTimer = null;
    void this.metrics.listen(null, this.o.log);
    await this.triggers.close();
    await this.loop.stop();
    await this.reconciler.idle();
    this.slots.stopAll();
    await this.fleet?.stop();
    this.web?.close();
    this.web = null;
    await this.backend.close?.();
    await this.releaseLock?.();
  }

  /**
   * The status file `agentpool status` and the dashboard read: after every pass of a controller that holds
   * the lock (not dry runs), and within STATUS_SOON_MS of a transition in the middle of one (a pass of a
   * big pool can take seconds; the machines' states are current, the rest is the last pass's). One write at
   * a time, in order.
   */
  private writeStatus(): Promise<void> {
    clearTimeout(this.statusTimer ?? undefined);
    this.statusTimer = null;
    return serially(`status:${this.desired.controller.stateDir}`, async () => {
      const snap = this.reconciler.lastSnapshot;
      if (!snap || !this.releaseLock) return;
      // Read after the pass: a cordon it performed shows at once.
      const cordoned = await readCordoned(this.desired.controller.stateDir);
      await this.status.write(this.desired, snap, this.slots.views(), { cordoned, problems: [...this.reconciler.lastBlindSpots, ...this.reconciler.lastWarnings], repairs: this.reconciler.repairs, fleet: this.fleet?.summary() ?? null });
    });
  }

  private statusSoon(): void {
    if (this.statusTimer || !this.running) return;
    this.statusTimer = setTimeout(() => void this.writeStatus().catch((err: Error) => this.o.log.warn({ err: err.message }, 'cannot write the status file')), STATUS_SOON_MS);
  }
}
