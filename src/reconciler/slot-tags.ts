import type { SlotTags } from '../backend/session-backend.js';
import type { SlotView, WarmAgent } from '../machines/types.js';
import type { ObservedSession } from './snapshot.js';

/** The slot-state tags: the part of a session's tags that follows its machine. */
export type SlotStateTags = Pick<SlotTags, 'state' | 'task' | 'until' | 'agent'>;

/** States a slot rests in between actions: the ones its session's tags record. */
const RESTING = new Set(['idle', 'warming', 'ready', 'cooldown', 'awaitingPrompt', 'working']);

/**
 * Pure: the tags a slot's session carries for its machine view, or null for a passing state (launching,
 * stopping), whose tags stay what they were: a restart adopts from the last resting state and the task's
 * own record. This is the one mapping from machine to tags; a restarted controller adopts from them, and
 * `agentpool status` shows them.
 *
 * A warm agent (prewarm) is saved as `warming` with the agent itself in `task` (a warm slot has no task):
 * its folder, model, agent session and start, all a restarted controller needs to hand it a task. Whether
 * it has shown its prompt yet is not saved: whoever adopts it reads that from its screen, so a warm-up
 * begun by `reconcile --once` is not a change for the next pass to write.
 */
export function slotStateTags(v: SlotView): SlotStateTags | null {
  if (!RESTING.has(v.state)) return null;
  if (v.state === 'warming' || v.state === 'ready') return { state: 'warming', task: v.warm ? warmTag(v.warm) : '', until: '', agent: v.agent ?? '' };
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

/** A warm agent as its session's `task` tag. */
export function warmTag(w: WarmAgent): string {
  return JSON.stringify(w);
}

/** The warm agent a `task` tag holds, or null when it holds none (or one written by an older agentpool). */
export function parseWarmTag(tag: string): WarmAgent | null {
  if (!tag.startsWith('{')) return null;
  try {
    const w = JSON.parse(tag) as Partial<WarmAgent>;
    if (typeof w.project !== 'string' || typeof w.model !== 'string' || typeof w.agentSessionId !== 'string' || typeof w.launchedAt !== 'number') return null;
    const wt = w.worktree;
    if (wt !== undefined && !(wt && [wt.repo, wt.path, wt.base, wt.cwd].every((v) => typeof v === 'string'))) return null;
    return w as WarmAgent;
  } catch {
    return null;
  }
}
