import { createActor, getNextSnapshot, type Actor } from 'xstate';
import type { Clock } from './clock.js';
import { sessionMachine, type SlotEvent } from './session-machine.js';
import { STATE_LABEL, type SlotState, type SlotView } from './types.js';

export interface Transition {
  session: string;
  from: string;
  to: string;
  event: string;
  task?: string | null;
  reason?: string;
  /** What the action that caused it did, so its one log line says both (see Slots.send). */
  note?: Note;
}

/** A log message and its facts, carried by an event to the transition it causes. */
export interface Note {
  msg: string;
  fields: Record<string, unknown>;
}

/**
 * The running slot machines, one xstate actor per pool session, keyed by session name. Owns the clock
 * and reports every state change (including timer-driven ones) to `onTransition`.
 */
export class Slots {
  private readonly actors = new Map<string, Actor<typeof sessionMachine>>();
  /** The note of the event being sent to each session, taken by the transition it causes. */
  private readonly notes = new Map<string, Note>();
  private readonly machine;

  constructor(
    private readonly clock: Clock,
    private readonly onTransition: (t: Transition) => void,
    /** Called when a timer moved a machine, so the loop can act on it. */
    private readonly onTimer: () => void = () => {},
  ) {
    this.machine = sessionMachine.provide({
      delays: {
        // No deadline means no timer: the longest delay a timer can have (~24.8 days).
        untilDeadline: ({ context }) => (context.deadline === null ? 2 ** 31 - 1 : Math.min(2 ** 31 - 1, Math.max(0, context.deadline - clock.now()))),
      },
    });
  }

  has(session: string): boolean {
    return this.actors.has(session);
  }

  /** The actor for `session`, created in `absent` when new. */
  ensure(session: string): Actor<typeof sessionMachine> {
    let actor = this.actors.get(session);
    if (actor) return actor;
    let lastEvent = 'start';
    actor = createActor(this.machine, {
      input: { session },
      clock: this.clock as never,
      inspect: (ev) => {
        if (ev.type === '@xstate.event' && ev.actorRef === actor) lastEvent = ev.event.type;
      },
    });
    let prev = actor.getSnapshot().value as SlotState;
    actor.subscribe((snap) => {
      const to = snap.value as SlotState;
      if (to === prev) return;
      const from = prev;
      prev = to;
      const timer = lastEvent.startsWith('xstate.after');
      const note = timer ? undefined : this.notes.get(session);
      this.notes.delete(session);
      this.onTransition({
        session,
        from: STATE_LABEL[from],
        to: STATE_LABEL[to],
        event: timer ? 'timer' : lastEvent,
        task: snap.context.task,
        ...(to === 'stopping' && snap.context.verdict ? { reason: snap.context.verdict.reason } : {}),
        ...(note ? { note } : {}),
      });
      // Only timer-driven changes wake the loop: the loop's own sends are followed by its own plan.
      if (timer) this.onTimer();
    });
    actor.start();
    this.actors.set(session, actor);
    return actor;
  }

  /**
   * Sends `event`. A `note` (what the action behind the event did) goes out with the transition the event
   * causes, as one log line; when the event changes no state the note goes out alone (from = to).
   */
  send(session: string, event: SlotEvent, note?: Note): void {
    const actor = this.ensure(session);
    if (note) this.notes.set(session, note);
    actor.send(event);
    const left = this.notes.get(session);
    if (!left) return;
    this.notes.delete(session);
    const state = STATE_LABEL[actor.getSnapshot().value as SlotState];
    this.onTransition({ session, from: state, to: state, event: event.type, note: left });
  }

  /** The view `events` would lead to, computed without sending them (the machine is pure). */
  preview(session: string, events: readonly SlotEvent[]): SlotView {
    let snap = this.ensure(session).getSnapshot();
    for (const e of events) snap = getNextSnapshot(this.machine, snap, e);
    return { state: snap.value as SlotState, ...snap.context };
  }

  remove(session: string): void {
    this.actors.get(session)?.stop();
    this.actors.delete(session);
  }

  view(session: string): SlotView {
    const snap = this.ensure(session).getSnapshot();
    return { state: snap.value as SlotState, ...snap.context };
  }

  views(): SlotView[] {
    return [...this.actors.keys()].sort(compareSessions).map((s) => this.view(s));
  }

  names(): string[] {
    return [...this.actors.keys()];
  }

  stopAll(): void {
    for (const a of this.actors.values()) a.stop();
    this.actors.clear();
  }
}

/** One collator for every comparison: `localeCompare` with options builds one per call (16 s of a 1,000-session profile). */
const NATURAL = new Intl.Collator('en', { numeric: true });

/** Natural order: ccl-auto-2 before ccl-auto-10. */
export function compareSessions(a: string, b: string): number {
  return NATURAL.compare(a, b);
}
