import type { SlotView } from '../machines/types.js';
import { OPT } from '../tmux/client.js';
import type { ObservedSession } from './snapshot.js';

/** The durable state a slot keeps on its session, as tag values ('' for none). */
export interface SlotStateTags {
  state: string;
  task: string;
  until: string;
}

/** States a slot rests in between actions: the ones whose tags must match the machine. */
const RESTING = new Set(['idle', 'cooldown', 'awaitingPrompt', 'working']);

/** Pure: the tags a slot's session should carry for its machine view. */
export function slotStateTags(v: SlotView): SlotStateTags {
  return { state: v.state, task: v.task ?? '', until: v.deadline === null ? '' : String(v.deadline) };
}

/**
 * Pure: the tags to write when the session's saved state differs from what its resting machine says (a
 * timer moved it, an event came from the agent's own signals), or null. A restarted controller adopts
 * from these tags, and `agentpool status` shows them.
 */
export function staleSlotTags(v: SlotView, s: ObservedSession): SlotStateTags | null {
  if (!RESTING.has(v.state)) return null;
  const want = slotStateTags(v);
  const found = { state: s.saved.state, task: s.saved.task, until: s.saved.until === null ? '' : String(s.saved.until) };
  return want.state === found.state && want.task === found.task && want.until === found.until ? null : want;
}

/** The tmux options for `tags`. */
export function slotStateOptions(tags: SlotStateTags): Record<string, string> {
  return { [OPT.state]: tags.state, [OPT.task]: tags.task, [OPT.until]: tags.until };
}
