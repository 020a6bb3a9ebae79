import type { Verdict } from '../machines/types.js';
import { notify } from '../notify/notify.js';
import type { Attempt } from '../tasks/attempt.js';
import { taskId } from '../tasks/task-id.js';
import type { Sidecar } from '../tasks/types.js';
import type { Act } from './act-context.js';
import type { Action } from './actions.js';
import { closeWorkspace } from './workspace.js';
import { attemptUsage, priceTable } from '../costs/attempt-usage.js';
import { recordSpend } from '../costs/ledger.js';
import { profileOf } from '../config/pool.js';

/**
 * What happens once an attempt has ended and its agent is gone: the task goes to done/, back to the queue
 * or to failed/ (the disposition the planner chose with retry.ts, except that a cancel always fails), its
 * worktree is closed, and the metrics, the log and the notify hook are told, each once.
 */

type Stop = Extract<Action, { kind: 'stop-agent' }>;

/** How an attempt ends, as settled: a task a person cancelled ends in failed/ whatever its agent did. */
export interface Ending {
  disposition: Stop['disposition'];
  verdict: Verdict;
}

/** The planner's disposition, unless the task was cancelled (and its agent then ended some other way). */
export function endingOf(a: Pick<Stop, 'disposition' | 'verdict'>, cancel: Sidecar['cancel']): Ending {
  if (cancel && (a.disposition === 'retry' || a.disposition === 'park')) return { disposition: 'fail', verdict: { outcome: 'cancelled', reason: cancel.reason } };
  return { disposition: a.disposition, verdict: a.verdict };
}

/** The attempt's end as the metrics count it. */
export function finishedAs(e: Ending): 'done' | 'retried' | 'cancelled' | 'failed' {
  return e.disposition === 'done' ? 'done' : e.disposition === 'retry' || e.disposition === 'park' ? 'retried' : e.verdict.outcome === 'cancelled' ? 'cancelled' : 'failed';
}

/** Settles the task of a stopped agent: see the file's comment. `log` is the attempt's saved pane output. */
export async function settle(x: Act, a: Stop, attempt: Attempt, log: string | null): Promise<void> {
  const task = attempt.path;
  const now = x.clock.now();
  const sidecar = attempt.sidecar;
  const attempts = sidecar?.attempts ?? 1;
  const { disposition, verdict } = endingOf(a, sidecar?.cancel);
  const summary = verdict.lastMessage;
  const notice = { session: a.session, reason: verdict.reason };
  // The same task id on every line of its life, its attempt, and how long the agent worked on it.
  const facts = {
    session: a.session, ...taskId(x.d, task), attempt: attempts,
    workMs: sidecar?.submittedAt ? now - sidecar.submittedAt : null, sinceArrivalMs: sidecar ? Math.round(now - sidecar.arrivedAt) : null,
  };
  const git = await closeWorkspace(x, attempt, disposition === 'done' ? 'done' : disposition === 'fail' ? 'failed' : 'requeued').catch((err: Error) => {
    // The task's outcome matters more than its worktree's report: settle it, keep the worktree as it is.
    x.log.warn({ session: a.session, task, err: err.message }, 'could not close the task\'s worktree; it is kept as it is');
    return null;
  });
  x.events?.finished(finishedAs({ disposition, verdict }), attempts);
  // What the attempt consumed, from what its CLI wrote (src/costs/); never a reason not to settle it.
  const usage = sidecar
    ? await attemptUsage(profileOf(x.d, a.agent), sidecar, now, priceTable(x.d)).catch((err: Error) => ({ unknown: `its usage could not be read: ${err.message}` }))
    : null;
  if (usage && !('unknown' in usage)) {
    x.events?.consumed?.(taskId(x.d, task).project, a.agent, usage);
    // The day's ledger, which the day budgets read (src/costs/ledger.ts).
    await recordSpend(x.d.controller.stateDir, x.d.budgets.timeZone, sidecar!.project, now, usage).catch((err: Error) => x.log.warn({ task, err: err.message }, 'could not add the attempt\'s spend to the day\'s ledger'));
  }
  if (disposition === 'done') {
    const dest = await attempt.settle({ disposition: 'done', reason: verdict.reason, now, git, log, usage, ...(summary !== undefined ? { lastMessage: summary } : {}) });
    x.log.info({ ...facts, task: dest }, 'task done');
    await notify(x.d.notify, { ...notice, event: 'done', task: dest, ...(await recordOf(() => attempt.result())) }, x.log);
  } else if (disposition === 'fail') {
    const dest = await attempt.settle({ disposition: 'fail', reason: verdict.reason, now, git, log, usage });
    if (verdict.outcome === 'cancelled') x.log.info({ ...facts, task: dest }, 'task cancelled');
    else x.log.warn({ ...facts, task: dest, reason: verdict.reason }, 'task failed');
    await notify(x.d.notify, { ...notice, event: 'failed', task: dest, ...(await recordOf(() => attempt.result())) }, x.log);
  } else if (disposition === 'park') {
    // Its cap spent: back in the queue, parked until a person raises the cap (agentpool resume).
    await attempt.settle({ disposition: 'retry', reason: verdict.reason, outcome: 'parked', notBefore: 0, refundAttempt: false, now, git, log, usage, parked: { at: now, reason: verdict.reason } });
    x.log.warn({ ...facts, task, reason: verdict.reason }, 'task parked: its cap is spent (agentpool resume continues it)');
  } else {
    await attempt.settle({ disposition: 'retry', reason: verdict.reason, outcome: verdict.outcome, notBefore: a.notBefore, refundAttempt: a.refundAttempt, now, git, log, usage });
    x.log.warn({ ...facts, task, reason: verdict.reason, retryAt: new Date(a.notBefore).toISOString() }, 'task will be retried');
    // An attempt a timer ended: the agent hung at a dialog or ran past its time. Someone may want to look.
    if (verdict.cause) await notify(x.d.notify, { ...notice, event: 'stuck', task, ...(await recordOf(async () => attempt.sidecar)) }, x.log);
  }
}

/** A task's record and its project, for a notice. */
async function recordOf(read: () => Promise<{ project: string } | null>): Promise<{ record: unknown; project: string }> {
  const record = await read().catch(() => null);
  return { record, project: record?.project ?? '' };
}
