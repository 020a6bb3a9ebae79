import { assign, setup } from 'xstate';
import type { SlotContext, SlotState, Verdict, WarmAgent } from './types.js';

/**
 * The state chart of one pool slot. It records where the slot is in its life and owns its timers; it does
 * no I/O. The planner reads the state and decides actions; action results come back as events.
 *
 *   absent ─CREATED→ idle ─CLAIMED→ launching ─LAUNCHED→ awaitingPrompt ─SUBMITTED→ working
 *      ▲               ▲ │                                    ▲ │ timeout          │ AGENT_* / timeout
 *      │               │ └WARM→ warming ─READY→ ready ─CLAIMED┘ │                  │
 *      │               │          (timeout, AGENT_*: stopping)  ▼                  │
 *      │               └──────── cooldown ◀─STOPPED── stopping ◀─────────────────┘
 *      └─ VANISHED (from anywhere)
 *
 * Prewarm: an idle slot may start its agent ahead of any task (`warming`) and wait at its verified ready
 * prompt (`ready`). A task for that agent's project and model goes straight to it (CLAIMED with `reuse`);
 * any other task gets a fresh agent (CLAIMED → launching, which replaces the warm one).
 *
 * Timers are deadline-based (`context.deadline`), so a restarted controller can adopt a slot mid-timer.
 * The delays are provided by the runtime (`provide({ delays })`) from its clock.
 */

export type SlotEvent =
  | { type: 'CREATED' }
  /** `warm`: for `warming` and `ready`, the warm agent the session was saved with. */
  | { type: 'ADOPT'; state: Exclude<SlotState, 'absent'>; task: string | null; deadline: number | null; draining: boolean; verdict?: Verdict | null; agent?: string | null; warm?: WarmAgent | null }
  | { type: 'VANISHED' }
  | { type: 'DRAIN' }
  /** `reuse`: the task goes to the slot's warm agent, which has shown its prompt; `deadline` is the prompt timeout. */
  | { type: 'CLAIMED'; task: string; reuse?: { deadline: number } }
  | { type: 'WARM'; deadline: number; agent: string; warm: WarmAgent }
  | { type: 'READY' }
  | { type: 'CLAIM_FAILED' }
  | { type: 'LAUNCHED'; deadline: number; agent: string }
  /**
   * A paste that may outlast the prompt timeout has begun (a long task, a slow transport): the timer stops,
   * and the submit's own waits, each bounded and grown with the task's size, end it with SUBMITTED or FAILED.
   */
  | { type: 'PASTING' }
  | { type: 'SUBMITTED'; deadline: number }
  | { type: 'FAILED'; verdict: Verdict }
  | { type: 'AGENT_ENDED'; verdict: Verdict }
  | { type: 'STOPPED'; until: number };

export interface SlotInput {
  session: string;
}

export const sessionMachine = setup({
  types: {
    context: {} as SlotContext,
    events: {} as SlotEvent,
    input: {} as SlotInput,
  },
  delays: {
    // Placeholders; the runtime provides deadline-based implementations (see slots.ts).
    untilDeadline: 0,
  },
  guards: {
    adoptTo: ({ event }, state: SlotState) => event.type === 'ADOPT' && event.state === state,
    reusesWarmAgent: ({ event }) => event.type === 'CLAIMED' && event.reuse !== undefined,
  },
  actions: {
    adopt: assign(({ event }) =>
      event.type === 'ADOPT'
        ? { task: event.task, deadline: event.deadline, draining: event.draining, verdict: event.verdict ?? null, agent: event.agent ?? null, warm: event.warm ?? null }
        : {},
    ),
    /** FAILED and AGENT_ENDED carry the verdict. */
    recordVerdict: assign(({ event }) => ('verdict' in event && event.verdict ? { verdict: event.verdict, deadline: null } : {})),
    timedOut: assign((_, p: { reason: string; cause: 'prompt-timeout' | 'task-timeout' }) => ({ verdict: { outcome: 'failed' as const, ...p }, deadline: null })),
    retire: assign(({ event }) => (event.type === 'STOPPED' ? { deadline: event.until, task: null, agent: null, warm: null } : {})),
  },
}).createMachine({
  id: 'slot',
  initial: 'absent',
  context: ({ input }) => ({ session: input.session, task: null, deadline: null, draining: false, verdict: null, agent: null, warm: null }),
  on: {
    DRAIN: { actions: assign({ draining: true }) },
  },
  states: {
    absent: {
      entry: assign({ task: null, deadline: null, verdict: null, draining: false, agent: null, warm: null }),
      on: {
        CREATED: 'idle',
        ADOPT: [
          { guard: { type: 'adoptTo', params: 'idle' }, target: 'idle', actions: 'adopt' },
          { guard: { type: 'adoptTo', params: 'warming' }, target: 'warming', actions: 'adopt' },
          { guard: { type: 'adoptTo', params: 'ready' }, target: 'ready', actions: 'adopt' },
          { guard: { type: 'adoptTo', params: 'launching' }, target: 'launching', actions: 'adopt' },
          { guard: { type: 'adoptTo', params: 'awaitingPrompt' }, target: 'awaitingPrompt', actions: 'adopt' },
          { guard: { type: 'adoptTo', params: 'working' }, target: 'working', actions: 'adopt' },
          { guard: { type: 'adoptTo', params: 'stopping' }, target: 'stopping', actions: 'adopt' },
          { guard: { type: 'adoptTo', params: 'cooldown' }, target: 'cooldown', actions: 'adopt' },
        ],
      },
    },
    idle: {
      entry: assign({ task: null, deadline: null, verdict: null, agent: null, warm: null }),
      on: {
        VANISHED: 'absent',
        CLAIMED: { target: 'launching', actions: assign({ task: ({ event }) => event.task }) },
        WARM: { target: 'warming', actions: assign(({ event }) => ({ deadline: event.deadline, agent: event.agent, warm: event.warm })) },
        // A warm-up that could not start: the slot stops and cools down for afterFailure, like a warm agent
        // that died, instead of trying again on every pass.
        FAILED: { target: 'stopping', actions: 'recordVerdict' },
      },
    },
    warming: {
      after: {
        untilDeadline: {
          target: 'stopping',
          actions: { type: 'timedOut', params: { reason: 'the warm agent showed no ready prompt before the prompt timeout (agents.<name>.promptTimeout); it is replaced', cause: 'prompt-timeout' } },
        },
      },
      on: {
        VANISHED: 'absent',
        READY: { target: 'ready', actions: assign({ deadline: null }) },
        FAILED: { target: 'stopping', actions: 'recordVerdict' },
        AGENT_ENDED: { target: 'stopping', actions: 'recordVerdict' },
        STOPPED: { target: 'cooldown', actions: 'retire' },
      },
    },
    ready: {
      on: {
        VANISHED: 'absent',
        CLAIMED: [
          { guard: 'reusesWarmAgent', target: 'awaitingPrompt', actions: assign(({ event }) => ({ task: event.task, deadline: event.reuse!.deadline })) },
          // Another project or model: a fresh agent replaces the warm one.
          { target: 'launching', actions: assign({ task: ({ event }) => event.task, warm: null }) },
        ],
        FAILED: { target: 'stopping', actions: 'recordVerdict' },
        AGENT_ENDED: { target: 'stopping', actions: 'recordVerdict' },
        // More agents warm than pool.prewarm allows (it was lowered): this one was stopped.
        STOPPED: { target: 'cooldown', actions: 'retire' },
      },
    },
    launching: {
      on: {
        VANISHED: 'absent',
        CLAIM_FAILED: 'idle',
        LAUNCHED: { target: 'awaitingPrompt', actions: assign({ deadline: ({ event }) => event.deadline, agent: ({ event }) => event.agent }) },
        FAILED: { target: 'stopping', actions: 'recordVerdict' },
      },
    },
    awaitingPrompt: {
      after: {
        untilDeadline: {
          target: 'stopping',
          actions: { type: 'timedOut', params: { reason: 'the agent showed no ready prompt before the prompt timeout (agents.<name>.promptTimeout)', cause: 'prompt-timeout' } },
        },
      },
      on: {
        VANISHED: 'absent',
        // Re-entered, so the timer starts again from the new (absent) deadline.
        PASTING: { target: 'awaitingPrompt', reenter: true, actions: assign({ deadline: null }) },
        SUBMITTED: { target: 'working', actions: assign({ deadline: ({ event }) => event.deadline }) },
        FAILED: { target: 'stopping', actions: 'recordVerdict' },
        AGENT_ENDED: { target: 'stopping', actions: 'recordVerdict' },
      },
    },
    working: {
      after: {
        untilDeadline: {
          target: 'stopping',
          actions: { type: 'timedOut', params: { reason: 'the task ran past its task timeout (its timeout:, else agents.<name>.taskTimeout); raise it if the task needs longer', cause: 'task-timeout' } },
        },
      },
      on: {
        VANISHED: 'absent',
        AGENT_ENDED: { target: 'stopping', actions: 'recordVerdict' },
        FAILED: { target: 'stopping', actions: 'recordVerdict' },
      },
    },
    stopping: {
      on: {
        VANISHED: 'absent',
        STOPPED: { target: 'cooldown', actions: assign({ deadline: ({ event }) => event.until, task: null, agent: null, warm: null }) },
      },
    },
    cooldown: {
      after: { untilDeadline: 'idle' },
      on: { VANISHED: 'absent' },
    },
  },
});

export type SessionMachine = typeof sessionMachine;
