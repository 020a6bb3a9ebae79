import { assign, setup } from 'xstate';
import type { SlotContext, SlotState, Verdict } from './types.js';

/**
 * The state chart of one pool slot. It records where the slot is in its life and owns its timers; it does
 * no I/O. The planner reads the state and decides actions; action results come back as events.
 *
 *   absent ─CREATED→ idle ─CLAIMED→ launching ─LAUNCHED→ awaitingPrompt ─SUBMITTED→ working
 *      ▲               ▲                                      │ timeout          │ AGENT_* / timeout
 *      │               └──────── cooldown ◀─STOPPED── stopping ◀─────────────────┘
 *      └─ VANISHED (from anywhere)
 *
 * Timers are deadline-based (`context.deadline`), so a restarted controller can adopt a slot mid-timer.
 * The delays are provided by the runtime (`provide({ delays })`) from its clock.
 */

export type SlotEvent =
  | { type: 'CREATED' }
  | { type: 'ADOPT'; state: Exclude<SlotState, 'absent'>; task: string | null; deadline: number | null; draining: boolean; verdict?: Verdict | null; agent?: string | null }
  | { type: 'VANISHED' }
  | { type: 'DRAIN' }
  | { type: 'CLAIMED'; task: string }
  | { type: 'CLAIM_FAILED' }
  | { type: 'LAUNCHED'; deadline: number; agent: string }
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
  },
  actions: {
    adopt: assign(({ event }) =>
      event.type === 'ADOPT'
        ? { task: event.task, deadline: event.deadline, draining: event.draining, verdict: event.verdict ?? null, agent: event.agent ?? null }
        : {},
    ),
    /** FAILED and AGENT_ENDED carry the verdict. */
    recordVerdict: assign(({ event }) => ('verdict' in event && event.verdict ? { verdict: event.verdict, deadline: null } : {})),
    timedOut: assign((_, p: { reason: string; cause: 'prompt-timeout' | 'task-timeout' }) => ({ verdict: { outcome: 'failed' as const, ...p }, deadline: null })),
  },
}).createMachine({
  id: 'slot',
  initial: 'absent',
  context: ({ input }) => ({ session: input.session, task: null, deadline: null, draining: false, verdict: null, agent: null }),
  on: {
    DRAIN: { actions: assign({ draining: true }) },
  },
  states: {
    absent: {
      entry: assign({ task: null, deadline: null, verdict: null, draining: false, agent: null }),
      on: {
        CREATED: 'idle',
        ADOPT: [
          { guard: { type: 'adoptTo', params: 'idle' }, target: 'idle', actions: 'adopt' },
          { guard: { type: 'adoptTo', params: 'launching' }, target: 'launching', actions: 'adopt' },
          { guard: { type: 'adoptTo', params: 'awaitingPrompt' }, target: 'awaitingPrompt', actions: 'adopt' },
          { guard: { type: 'adoptTo', params: 'working' }, target: 'working', actions: 'adopt' },
          { guard: { type: 'adoptTo', params: 'stopping' }, target: 'stopping', actions: 'adopt' },
          { guard: { type: 'adoptTo', params: 'cooldown' }, target: 'cooldown', actions: 'adopt' },
        ],
      },
    },
    idle: {
      entry: assign({ task: null, deadline: null, verdict: null, agent: null }),
      on: {
        VANISHED: 'absent',
        CLAIMED: { target: 'launching', actions: assign({ task: ({ event }) => event.task }) },
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
        SUBMITTED: { target: 'working', actions: assign({ deadline: ({ event }) => event.deadline }) },
        FAILED: { target: 'stopping', actions: 'recordVerdict' },
        AGENT_ENDED: { target: 'stopping', actions: 'recordVerdict' },
      },
    },
    working: {
      after: {
        untilDeadline: {
          target: 'stopping',
          actions: { type: 'timedOut', params: { reason: 'the task ran past the task timeout; raise agents.<name>.taskTimeout if it needs longer', cause: 'task-timeout' } },
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
        STOPPED: { target: 'cooldown', actions: assign({ deadline: ({ event }) => event.until, task: null, agent: null }) },
      },
    },
    cooldown: {
      after: { untilDeadline: 'idle' },
      on: { VANISHED: 'absent' },
    },
  },
});

export type SessionMachine = typeof sessionMachine;
