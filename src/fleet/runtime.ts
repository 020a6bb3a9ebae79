import { readdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { DesiredState } from '../config/types.js';
import type { FleetEngine, FleetView, HostStatus } from './engine.js';
import type { FleetSummary } from '../status/status-file.js';
import { FrontDoor } from './front-door.js';
import { FleetHost, queuesOf } from './host.js';
import { checkoutsDir, fleetDesired } from './overlay.js';
import { viewedQueues } from './view.js';

/** How often a host looks for ended tasks and free slots, and a front door for ended jobs. */
const HOST_TICK_MS = 100;
const FRONT_DOOR_TICK_MS = 1_000;
/** How often a controller publishes its status, and how long it stands: a host silent for longer is gone. */
const PUBLISH_MS = 5_000;
const STATUS_TTL_MS = 3 * PUBLISH_MS;

/**
 * Fleet mode in a controller (issue 26): the queue's engine, and the front door and host its role asks
 * for, on timers of their own beside the reconcile loop. The controller runs the desired state `overlay`
 * gives (its file's, with the fleet's projects), and tells `checkoutsChanged` when a host made a clone.
 */
export class FleetRuntime {
  private timers: NodeJS.Timeout[] = [];
  private readonly stops: Array<() => void> = [];
  private collecting = false;

  private constructor(
    readonly engine: FleetEngine,
    readonly frontDoor: FrontDoor | null,
    readonly host: FleetHost | null,
    private readonly log: Logger,
    private readonly slots: () => HostStatus['slots'],
    private readonly onView: (view: FleetView, held: number) => void,
  ) {}

  private last: FleetSummary | null = null;

  /** The fleet as last read (for the status file and `top`); null before the first read. */
  summary(): FleetSummary | null {
    return this.last;
  }

  /** The runtime for a config with `fleet:`, or null. BullMQ is loaded only then. */
  static async create(d: DesiredState, log: Logger, o: {
    checkoutsChanged: () => Promise<void>;
    cancel: (path: string) => Promise<string>;
    freeSlots: () => number;
    /** The pool's slots as `status --fleet` shows them. */
    slots: () => HostStatus['slots'];
    /** The fleet as read after each publish, and the jobs this controller holds (the metrics). */
    onView?: (view: FleetView, held: number) => void;
  }): Promise<FleetRuntime | null> {
    if (!d.fleet) return null;
    const { BullEngine } = await import('./bullmq.js');
    const { lockMs } = d.fleet;
    const engine = new BullEngine({
      redis: d.fleet.redis, lockMs, stalledCheckMs: Math.min(30_000, Math.max(500, Math.floor(lockMs / 3))),
      attempts: d.tasks.maxAttempts, backoffMs: d.tasks.retryBackoffMs,
    });
    const role = d.fleet.role;
    const frontDoor = role === 'host' ? null : new FrontDoor({ engine, log, now: Date.now });
    const host = role === 'front-door' ? null : new FleetHost({ engine, stateDir: d.controller.stateDir, host: d.fleet.host, lockMs, log, ...o });
    return new FleetRuntime(engine, frontDoor, host, log, o.slots, o.onView ?? (() => {}));
  }

  /** The desired state to run: the file's with the front door's projects marked and the host's clones added. */
  async overlay(d: DesiredState): Promise<DesiredState> {
    const names = await readdir(checkoutsDir(d.controller.stateDir), { withFileTypes: true }).catch(() => []);
    return fleetDesired(d, names.filter((n) => n.isDirectory()).map((n) => n.name).sort());
  }

  /** Adopts the jobs held before a restart, then runs the host's and the front door's looks until stop(). */
  async start(desired: () => DesiredState): Promise<void> {
    if (this.host) {
      await this.host.start(queuesOf(desired()));
      const look = (asked: boolean) => void this.host!.tick(desired, asked).catch((err: Error) => this.log.warn({ err: err.message }, 'fleet host: a look failed'));
      this.timers.push(setInterval(() => look(false), HOST_TICK_MS));
      // A job added to a queue this host takes: looked for now, not at the next tick.
      this.stops.push(this.engine.onAdded((queue) => queuesOf(desired()).includes(queue) && look(true)));
    }
    if (this.frontDoor) {
      this.timers.push(setInterval(() => void this.collect(desired()), FRONT_DOOR_TICK_MS));
    }
    const publish = () => void this.publish(desired()).catch((err: Error) => this.log.debug({ err: err.message }, 'fleet: could not publish this controller\'s status'));
    publish();
    this.timers.push(setInterval(publish, PUBLISH_MS));
  }

  /** What this controller is doing, for every `status --fleet` of the fleet (kept STATUS_TTL_MS). */
  private async publish(d: DesiredState): Promise<void> {
    if (!d.fleet) return;
    const jobs = this.host?.leases.leases().length ?? 0;
    await this.engine.publish({ host: d.fleet.host, role: d.fleet.role, at: Date.now(), queues: this.host ? queuesOf(d) : [], slots: this.slots(), jobs }, STATUS_TTL_MS);
    const view = await this.engine.view(viewedQueues(d));
    this.last = {
      at: Date.now(), up: view.hosts.filter((h) => h.status).length, gone: view.hosts.filter((h) => !h.status).length, jobsHeld: jobs,
      queues: view.queues.map((q) => ({ queue: q.queue, waiting: q.waiting, active: q.active, failed: q.failed, pausedUntil: q.pausedUntil })),
    };
    this.onView(view, jobs);
  }

  private async collect(d: DesiredState): Promise<void> {
    if (this.collecting) return;
    this.collecting = true;
    try {
      await this.frontDoor!.collect(d);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'fleet front door: a look failed');
    } finally {
      this.collecting = false;
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const s of this.stops.splice(0)) s();
    this.host?.stop();
    await this.engine.close();
  }
}
