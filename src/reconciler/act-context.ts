import type { Logger } from 'pino';
import type { SessionBackend } from '../backend/session-backend.js';
import type { DesiredState, Priority } from '../config/types.js';
import type { PendingTask, Sidecar } from '../tasks/types.js';
import type { AgentDriver, AgentIO, DriverContext } from '../drivers/agent-driver.js';
import { driverFor } from '../drivers/index.js';
import type { Clock } from '../machines/clock.js';
import type { SlotEvent } from '../machines/session-machine.js';
import type { Note, Slots } from '../machines/slots.js';
import type { WarmAgent } from '../machines/types.js';
import { profileOf } from '../config/pool.js';
import { slotStateTags, type SlotStateTags } from './slot-tags.js';
import type { ObservedSession } from './snapshot.js';
import type { TaskEvents } from '../metrics/metrics.js';

export interface ActDeps {
  d: DesiredState;
  backend: SessionBackend;
  slots: Slots;
  clock: Clock;
  log: Logger;
  /** The sessions as observed by the pass that planned these actions. */
  sessions: ReadonlyMap<string, ObservedSession>;
  /** Told when a task reaches its agent or an attempt ends (the controller's metrics). */
  events?: TaskEvents;
  /** Fleet mode's front door: add-job actions give it their tasks. */
  fleet?: FleetDoor;
}

/** The front door's side of an add-job (src/fleet/front-door.ts): claim the task, add its job; its path in active/. */
export interface FleetDoor {
  add(d: DesiredState, task: PendingTask, ask: { queue: string; agent: string; model: string; priority: Priority }): Promise<string>;
  /** `removed`: no host had it, the task may go to failed/ now; `asked`: the host running it stops it. */
  cancel(f: NonNullable<Sidecar['fleet']>): Promise<'removed' | 'asked'>;
}

/** What one group of a session's actions shares while it runs. */
export interface Act extends ActDeps {
  /** Each session's backend ref, including sessions this group created. */
  refs: Map<string, string>;
  /** Where each task this group claimed went: planned path → path in active/. */
  claimed: Map<string, string>;
  /** The slot-state tags last written on each session by this group. */
  written: Map<string, SlotStateTags>;
  /** Worktrees of warm agents replaced by a fresh agent for a task: they go once that agent started. */
  retiredWarm: Map<string, NonNullable<WarmAgent['worktree']>>;
}

export function newAct(deps: ActDeps): Act {
  return { ...deps, refs: new Map([...deps.sessions].map(([name, s]) => [name, s.ref])), claimed: new Map(), written: new Map(), retiredWarm: new Map() };
}

/**
 * The one way an action's result reaches a slot: its session gets the tags that are a pure function of the
 * view the events lead to (slot-tags.ts), then its machine gets the events. Tags first, so a controller
 * killed after a transition shows in the log has left that state on the session for the next one to adopt.
 * A tag write that fails is logged and left to the planned retag of a later pass; the machine is the truth.
 */
export function record(x: Act, session: string, ...events: SlotEvent[]): Promise<void> {
  return recordWith(x, session, undefined, ...events);
}

/**
 * `record`, with what the action did (`note`) logged as one line with the transition its first event
 * causes: the line comes after the tags are written, so a controller killed after it has left that
 * state on the session.
 */
export async function recordWith(x: Act, session: string, note: Note | undefined, ...events: SlotEvent[]): Promise<void> {
  const tags = slotStateTags(x.slots.preview(session, events));
  const ref = x.refs.get(session);
  const last = x.written.get(session);
  if (tags && ref && !(last && JSON.stringify(last) === JSON.stringify(tags))) {
    try {
      await x.backend.setTags(ref, tags);
      x.written.set(session, tags);
    } catch (err) {
      x.log.warn({ session, err: (err as Error).message }, 'could not record the slot state on its session; the next pass writes it');
    }
  }
  events.forEach((e, i) => x.slots.send(session, e, i === 0 ? note : undefined));
}

/** The driver of the profile `agent`, with what it needs to act on `session`. */
export function agentFor(x: Act, session: string, agent: string): { driver: AgentDriver; c: DriverContext; io: AgentIO | null } {
  const profile = profileOf(x.d, agent);
  const ref = x.refs.get(session);
  return {
    driver: driverFor(profile),
    c: { profile, session, stateDir: x.d.controller.stateDir, log: x.log },
    io: ref ? { backend: x.backend, ref } : null,
  };
}
