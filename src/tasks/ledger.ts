import { basename } from 'node:path';
import { readResult, rejectTask, retryTask } from './store.js';
import type { RejectedTask, ResultRecord, TaskMeta } from './types.js';

/**
 * The task ledger: the act side's one door to the task files. An attempt of a claimed task is an `Attempt`
 * (attempt.ts); the moves below are of tasks no attempt holds. Nothing in src/reconciler/ imports the
 * store (store.ts) or reads a sidecar by itself.
 */
export { Attempt, type Settlement } from './attempt.js';
export { ensureQueueDirs } from './store.js';
export { checkTask, taskRules, type TaskRules } from './check.js';

/** Moves an inbox file that can never run to failed/ with `reason`; its path there and its record. */
export async function reject(t: RejectedTask, now: number): Promise<{ path: string; record: ResultRecord | null }> {
  const path = await rejectTask(t, now);
  return { path, record: await readResult(path) };
}

/** A failed task queued again by hand (`agentpool retry`): attempts reset, history kept. Its new path. */
export function retryFailed(path: string, o: { now: number; reason: string; meta: TaskMeta }): Promise<string> {
  return retryTask(path, o);
}

/** An inbox file cancelled before any agent took it: to failed/ with `reason`. Its path there. */
export function cancelWaiting(path: string, project: string, o: { now: number; reason: string }): Promise<string> {
  return rejectTask({ path, project, name: basename(path), reason: o.reason }, o.now);
}
