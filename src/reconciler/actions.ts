import type { DialogAnswer, Priority } from '../config/types.js';
import type { Verdict, WarmAgent } from '../machines/types.js';
import type { SlotTags } from '../backend/session-backend.js';
import { compareSessions } from '../machines/slots.js';
import type { PendingTask, RejectedTask } from '../tasks/types.js';

/** The person's request (`agentpool retry|cancel|cordon|uncordon|drain`) an action answers once done. */
export interface RequestRef {
  id: string;
  /** When it was made. */
  at: number;
}

/**
 * Everything the controller can do, as data. `plan()` returns these; `dispatch()` performs them;
 * `--dry-run` prints them. Sessions are named by pool session name.
 */
export type Action =
  | { kind: 'create-session'; session: string; slot: number }
  | { kind: 'kill-session'; session: string; ref: string; reason: string }
  | { kind: 'drain-session'; session: string }
  /**
   * The tags on a session of ours differ from what they should be: its ownership tags went missing or
   * wrong (`ownership`), or the slot state saved there lags its machine (`state`: a timer or the agent's
   * own signals moved it). `found` holds the values replaced.
   */
  | { kind: 'retag'; session: string; ref: string; why: 'ownership' | 'state'; tags: Partial<SlotTags>; found: Partial<SlotTags> }
  /** A project whose folder is there without its queue folders: create them (`path`: the project's folder). */
  | { kind: 'prepare-project'; path: string }
  | { kind: 'reject-task'; task: RejectedTask }
  | { kind: 'requeue-task'; path: string; project: string; reason: string; refundAttempt: boolean; notBefore: number }
  /** `warm`: the task goes to the slot's warm agent (prewarm), which already shows its prompt. */
  | { kind: 'claim-task'; session: string; task: PendingTask; warm?: true }
  /** Fleet mode, a front door's task: claimed into active/ and added to the fleet's queue `queue` for a host to run. */
  | { kind: 'add-job'; task: PendingTask; queue: string; agent: string; model: string; priority: Priority }
  /** Prewarm: start the pool agent in `project` with `model` ahead of any task, to wait at its prompt. */
  | { kind: 'warm-agent'; session: string; agent: string; model: string; project: string }
  /** `task`: the task as planned (its path in the queue); the claim before it says where it went in active/. */
  | { kind: 'launch-agent'; session: string; task: string; agent: string; model: string; priority: Priority; project: string; sandboxed?: true }
  /** `agent`: the profile that launched the slot's agent, whose rules deliver to it, answer it and stop it. */
  /** `warm`: the slot's warm agent, whose launch the task's record takes over (its model, session, start time). */
  | { kind: 'submit-task'; session: string; task: string; agent: string; warm?: WarmAgent }
  /** The agent shows a dialog its profile answers (`answers`): choose the option (or send the keys), wait for it to go. */
  | { kind: 'answer-dialog'; session: string; agent: string; answer: DialogAnswer }
  | {
      kind: 'stop-agent';
      session: string;
      agent: string;
      task: string | null;
      verdict: Verdict;
      /** What happens to the task: to done/, back to the queue, or to failed/. */
      disposition: 'done' | 'retry' | 'fail' | 'park';
      refundAttempt: boolean;
      notBefore: number;
      cooldownUntil: number;
    }
  /**
   * Cancel a task (`agentpool cancel`): one in the queue goes to failed/; one a slot holds (`session`) is
   * marked cancelled, then its agent is stopped. Without `request`: a cancel marked by a controller that died
   * before it stopped the agent, finished now.
   */
  | { kind: 'cancel-task'; path: string; project: string; session?: string; request?: RequestRef }
  /** A failed task back in the queue, attempts reset (`agentpool retry`). */
  | { kind: 'retry-task'; path: string; project: string; request: RequestRef }
  /** A parked task continues with a higher cap, in its agent session (`agentpool resume --budget`). */
  | { kind: 'resume-task'; path: string; project: string; budget: number; request: RequestRef }
  /**
   * A session takes no new work (`on`), or takes it again. `target` (not `session`): it is not one of the
   * session's own actions, so it waits for none of them, and it may name no session of the pool (refused).
   */
  | { kind: 'cordon-session'; target: string; on: boolean; request: RequestRef };

export type ActionKind = Action['kind'];

/** The session an action belongs to, for one-in-flight bookkeeping; null for task-only actions. */
export function actionSession(a: Action): string | null {
  return 'session' in a ? a.session ?? null : null;
}

/**
 * Stable order for printing and applying: task-only actions first (by path), then each session's actions in
 * natural session order (ccl-auto-2 before ccl-auto-10), keeping the order the planner gave within a session.
 */
export function sortActions(actions: readonly Action[]): Action[] {
  const path = (a: Action) => (a.kind === 'reject-task' ? a.task.path : a.kind === 'cordon-session' ? a.target : 'path' in a ? a.path : '');
  return actions
    .map((a, i) => ({ a, i }))
    .sort((x, y) => {
      const sx = actionSession(x.a);
      const sy = actionSession(y.a);
      if (sx === null || sy === null) {
        if (sx !== sy) return sx === null ? -1 : 1;
        return path(x.a).localeCompare(path(y.a)) || x.i - y.i;
      }
      return compareSessions(sx, sy) || x.i - y.i;
    })
    .map(({ a }) => a);
}
