import { createHash } from 'node:crypto';
import type { Priority } from '../config/types.js';

/**
 * A task as the fleet's queue carries it from the front door to a host (issue 26): the task's text
 * (bounded by tasks.maxBytes), what it asks of its agent, and where its project's code is, so a host
 * without the checkout can clone it and work on the task's own branch.
 */
export interface FleetJob {
  /** The task's id, `<project>/<file>` (task-id.ts). */
  task: string;
  project: string;
  priority: Priority;
  agent: string;
  model: string;
  /** The task file's text, front matter and all. */
  text: string;
  /** The project's git remote and the commit or branch its tasks start from. */
  remote: string | null;
  baseRef: string | null;
  /** `agentpool/<task>`: where the task's work is pushed, and where a next attempt resumes from. */
  branch: string;
}

/** BullMQ priorities: 1 runs first; never 0, which means "no priority" and runs before all of them. */
const RANK: Record<Priority, number> = { critical: 1, high: 2, default: 3, low: 4 };
export const jobPriority = (p: Priority): number => RANK[p];

/**
 * A job's id from its project, file name and text: adding the same task twice (a front door restarted
 * between adding it and noting that it did) is one job; a task edited and added again is another.
 */
export function jobIdFor(job: Pick<FleetJob, 'task' | 'text'>): string {
  return createHash('sha256').update(job.task).update('\0').update(job.text).digest('hex').slice(0, 32);
}

/** The queue of one agent kind (a usage limit and an account's cap are per queue). */
export const queueName = (agent: string): string => `agentpool-${agent}`;
