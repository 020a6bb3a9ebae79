import type { SlotTags } from '../backend/session-backend.js';
import type { SlotView } from '../machines/types.js';
import type { ObservedSession } from './snapshot.js';

/** The slot-state tags: the part of a session's tags that follows its machine. */
export type SlotStateTags = Pick<SlotTags, 'state' | 'task' | 'until' | 'agent'>;

/** States a slot rests in between actions: the ones its session's tags record. */
const RESTING = new Set(['idle', 'ready', 'cooldown', 'awaitingPrompt', 'working']);

/**
 * Pure: the tags a slot's session carries for its machine view, or null for a passing state (launching,
 * stopping), whose tags stay what they were: a restart adopts from the last resting state and the task's
 * own record. This is the one mapping from machine to tags; a restarted controller adopts from them, and
 * `agentpool status` shows them.
 */
export function slotStateTags(v: SlotView): SlotStateTags | null {
  if (!RESTING.has(v.state)) return null;
  return { state: v.state, task: v.task ?? '', until: v.deadline === null ? '' : String(v.deadline), agent: v.agent ?? '' };
}

/** The slot-state tags of a new (idle) session. */
export const IDLE_TAGS: SlotStateTags = { state: 'idle', task: '', until: '', agent: '' };

/** Pure: the tags to write when what the session shows differs from its machine's view, or null. */
export function staleSlotTags(v: SlotView, s: ObservedSession): SlotStateTags | null {
  const want = slotStateTags(v);
  if (!want) return null;
  const found = savedTags(s);
  return want.state === found.state && want.task === found.task && want.until === found.until && want.agent === found.agent ? null : want;
}

/** The slot-state tags as found on a session. */
export function savedTags(s: ObservedSession): SlotStateTags {
  return { state: s.saved.state, task: s.saved.task, until: s.saved.until === null ? '' : String(s.saved.until), agent: s.saved.agent };
}
