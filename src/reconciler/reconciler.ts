import type { Logger } from 'pino';
import type { SessionBackend } from '../backend/session-backend.js';
import { HostRepairs } from './host-repairs.js';
import { nextDue } from './next-due.js';
import type { DesiredState } from '../config/types.js';
import type { Clock } from '../machines/clock.js';
import type { Slots } from '../machines/slots.js';
import type { SlotView } from '../machines/types.js';
import { QueueScanner } from '../tasks/scan.js';
import { actionSession, type Action } from './actions.js';
import { dispatch } from './dispatch.js';
import { InFlight } from './in-flight.js';
import { interpret } from './interpret.js';
import { retryDelay, TerminalError } from './loop.js';
import { observe } from './observe.js';
import { plan } from './plan.js';
import { ProblemLog, squatters } from './problems.js';
import { blindSpots, warnings, type Snapshot } from './snapshot.js';
import type { TaskEvents } from '../metrics/metrics.js';
import type { FleetDoor } from './act-context.js';

export interface PassResult {
  /** Run again after this long even if nothing wakes the loop (a file settling, a retry coming due). */
  requeueAfterMs?: number;
}

export interface ReconcilerDeps {
  backend: SessionBackend;
  slots: Slots;
  clock: Clock;
  log: Logger;
  /**
   * Called when background work (a session's actions) finished, so the loop runs again: at once, or after
   * `afterMs` when it failed (a backoff: a host that fails every call is never asked in a tight loop).
   */
  wake: (afterMs?: number) => void;
  /** Told about submits, ended attempts and errors (the controller's metrics). */
  events?: TaskEvents;
  /** Fleet mode's front door: where add-job actions go (src/fleet/front-door.ts). */
  fleet?: FleetDoor;
}

/**
 * The logic of one pass: observe → tell the machines → plan → act. Session actions run in the background,
 * one group in flight per session, so a slow submit does not hold up the rest of the pool.
 */
export class Reconciler {
  private readonly scanner = new QueueScanner();
  /** Fed by the controller's inbox watchers: which files arrived by rename (complete at once). */
  readonly arrivals = this.scanner.arrivals;
  private readonly inFlight = new InFlight();
  private readonly claiming = new Set<string>();
  private readonly lastServed = new Map<string, number>();
  private readonly problems: ProblemLog;
  /** Session action groups that failed in a row: how long the loop waits before it runs again for them. */
  private groupFailures = 0;
  private readonly host: HostRepairs;
  /** What the last pass could not see (blindSpots of its snapshot). */
  lastBlindSpots: string[] = [];
  /** What the last pass found worth saying that hid nothing from it (warnings(snapshot)). */
  lastWarnings: string[] = [];
  /** The world as the last pass saw it. */
  lastSnapshot: Snapshot | null = null;

  constructor(private readonly deps: ReconcilerDeps, private desired: DesiredState) {
    this.host = new HostRepairs(deps.backend, deps.log);
    this.problems = new ProblemLog(deps.log);
  }

  setDesired(d: DesiredState): void {
    this.desired = d;
  }

  get config(): DesiredState {
    return this.desired;
  }

  /** Observes and plans without changing anything (machines are fed, so adoption shows in the plan). */
  async planOnly(): Promise<{ snapshot: Snapshot; actions: Action[] }> {
    // A session whose action finishes while we observe is seen by the snapshot as it was before that action:
    // leave it to the next pass (the finishing action wakes one), in interpret and in plan alike.
    const seenInFlight = this.inFlight.keys();
    // One config for the whole pass: a reload while it observes applies from the next pass on (planning with
    // a profile the observation did not check, e.g. whether its program is installed, would be wrong).
    const d = this.desired;
    const snapshot = await this.observeAndInterpret(d, seenInFlight);
    const ctx = this.planContext();
    return { snapshot, actions: plan(d, snapshot, this.views(), { ...ctx, inFlight: new Set([...seenInFlight, ...ctx.inFlight]) }) };
  }

  /**
   * One pass: task-only actions now, each session's actions in the background. Throws TerminalError when
   * the backend cannot work at all (tmux is not installed): retrying cannot help until a person acts.
   */
  async pass(): Promise<PassResult> {
    const { snapshot, actions } = await this.planOnly();
    this.lastSnapshot = snapshot;
    const health = this.host.step(this.desired, snapshot);
    this.lastBlindSpots = [...blindSpots(snapshot), ...(health ? [health.plan] : [])];
    this.lastWarnings = warnings(snapshot);
    this.problems.report([...this.lastBlindSpots, ...this.lastWarnings, ...squatters(this.desired, snapshot)]);
    if (health?.repair) await this.host.repair(health.repair);
    const groups = new Map<string, Action[]>();
    for (const a of actions) {
      const s = actionSession(a);
      if (s === null) {
        await dispatch(this.actDeps(snapshot), [a]).catch((err: Error) => {
          this.deps.events?.error('action');
          this.deps.log.error({ action: a.kind, err: err.message }, 'action failed');
        });
        continue;
      }
      if (!groups.has(s)) groups.set(s, []);
      groups.get(s)!.push(a);
    }
    for (const [session, group] of groups) this.startGroup(session, group, snapshot);
    if (!snapshot.backend.ok && snapshot.backend.hopeless) throw new TerminalError(snapshot.backend.error);
    return { requeueAfterMs: health ? health.retryInMs : nextDue(this.desired, snapshot, this.deps.slots.views()) };
  }

  /** Ends what controllers that died left attached to the host (at start: before they can hold it). */
  async sweep(): Promise<void> {
    await this.host.repair('strays');
  }

  /** What the controller did to a host that misbehaved, most recent last (at most 10), for the status file. */
  get repairs(): ReadonlyArray<{ at: number; what: string }> {
    return this.host.done;
  }

  /** Resolves when every background action has finished. */
  idle(): Promise<void> {
    return this.inFlight.idle();
  }

  private startGroup(session: string, group: Action[], snapshot: Snapshot): void {
    const claims = group.flatMap((a) => (a.kind === 'claim-task' ? [a.task] : []));
    let failed = false;
    const started = this.inFlight.start(
      session,
      async () => {
        await dispatch(this.actDeps(snapshot), group);
        this.groupFailures = 0;
      },
      (err) => {
        failed = true;
        this.groupFailures++;
        const retryInMs = retryDelay(this.groupFailures);
        this.deps.events?.error('action');
        this.deps.log.error({ session, actions: group.map((a) => a.kind), err: err.message, retryInMs }, 'action failed; the next pass retries');
      },
      () => {
        for (const t of claims) this.claiming.delete(t.path);
        this.deps.wake(failed ? retryDelay(this.groupFailures) : undefined);
      },
    );
    if (!started) return; // planned without this session's work in flight: cannot happen, and is not done twice
    for (const t of claims) {
      this.claiming.add(t.path);
      this.lastServed.set(t.project, snapshot.now);
    }
  }

  /**
   * Observes, then tells the machines what the world says. An adopted slot is looked at again in its new
   * state within the same pass (an adopted agent that finished is settled now, not a pass later), and a
   * deadline already past when it was adopted fires before planning, so a fresh `--dry-run` or `--once`
   * decides what the running controller would.
   */
  private async observeAndInterpret(d: DesiredState, inFlight: ReadonlySet<string>): Promise<Snapshot> {
    const snapshot = await observe(d, this.deps.backend, this.scanner, this.views(), this.deps.clock.now());
    for (let round = 0; round < 3; round++) {
      const inputs = interpret(d, snapshot, this.views(), inFlight);
      if (inputs.length === 0) break;
      for (const { session, event } of inputs) this.deps.slots.send(session, event);
      if (this.deps.slots.views().some((v) => v.deadline !== null && v.deadline <= snapshot.now)) await new Promise((r) => setTimeout(r, 1));
    }
    return snapshot;
  }

  private views(): Map<string, SlotView> {
    return new Map(this.deps.slots.views().map((v) => [v.session, v]));
  }

  private planContext() {
    return { inFlight: this.inFlight.keys(), claiming: this.claiming, lastServed: this.lastServed };
  }

  private actDeps(snapshot: Snapshot) {
    return {
      d: this.desired, backend: this.deps.backend, slots: this.deps.slots, clock: this.deps.clock, log: this.deps.log, sessions: snapshot.sessions,
      ...(this.deps.events ? { events: this.deps.events } : {}),
      ...(this.deps.fleet ? { fleet: this.deps.fleet } : {}),
    };
  }
}
