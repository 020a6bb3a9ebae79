import { PRIORITIES, type DesiredState, type ProjectSpec } from '../config/types.js';
import { depKey, type DepState } from './deps.js';
import type { ProjectQueue } from './scan.js';
import { showTime } from './schedule.js';
import type { PendingTask, RejectedTask } from './types.js';
import { budgetWait } from '../costs/budget.js';
import type { DaySpend } from '../costs/ledger.js';

export const WAIT_KINDS = ['after', 'limit', 'not-before', 'retry', 'budget'] as const;

/** Why a queued task does not start now. */
export interface Wait {
  kind: (typeof WAIT_KINDS)[number];
  /** `after a.md`, `project at its limit 2/2`, `not before 22:00`, `retry at 14:03`. */
  text: string;
}

export interface Gate {
  /** The queued tasks that may start now (pending, then settling ones), as far as the queue's rules go. */
  startable: PendingTask[];
  /** Why each other queued task waits, by path. */
  waiting: Map<string, Wait>;
  /** Inbox tasks that cannot run: a task they wait for failed, they name no task, or they wait in a circle. */
  fail: RejectedTask[];
}

export interface GateInput {
  queues: readonly ProjectQueue[];
  /** Where each task an `after:` names is (tasks/deps.ts). */
  deps: ReadonlyMap<string, DepState>;
  now: number;
  /** Tasks being claimed right now: they count as running, and are not queued any more. */
  claiming?: ReadonlySet<string>;
  /** Tasks leaving the queue another way (a cancel): neither queued nor running. */
  leaving?: ReadonlySet<string>;
  /** What the day spent so far, where a day budget is set (src/costs/budget.ts). */
  spend?: DaySpend;
}

/**
 * Pure: the queue's rules over every project's queued tasks. A task waits for the tasks its `after:` names
 * to be in done/ (one that failed fails it too, unless `after_failed: run`; a retry waits again, and only
 * waits), for its `not_before:` or its
 * retry time, and for room under its project's `maxConcurrent` (counting the tasks it would start before
 * it: priority, then age). Settling files are judged like pending ones, so a slot never waits for one that
 * could not start; none fails before it has settled.
 */
export function gate(d: DesiredState, input: GateInput): Gate {
  const { queues, deps, now } = input;
  const waiting = new Map<string, Wait>();
  const fail: RejectedTask[] = [];
  const out = (t: PendingTask) => input.claiming?.has(t.path) || input.leaving?.has(t.path);
  const circles = circlesOf(d, queues, deps);
  const open: PendingTask[] = [];
  for (const q of queues) {
    const project = d.projects.find((p) => p.path === q.project);
    for (const [t, settled] of [...q.pending.map((t) => [t, true] as const), ...q.settling.map((t) => [t, false] as const)]) {
      if (out(t)) continue;
      const verdict = project && t.after ? judgeAfter(d, project, t, deps, circles) : null;
      if (verdict && 'fail' in verdict) {
        // A settling file is judged once it has settled; meanwhile it holds no slot. A retry a person queued
        // (in active/) is not failed behind their back: it waits, saying why.
        if (t.where === 'active') waiting.set(t.path, { kind: 'after', text: verdict.fail });
        else if (settled) fail.push({ path: t.path, project: t.project, name: t.name, reason: verdict.fail });
      } else if (verdict) {
        waiting.set(t.path, { kind: 'after', text: `after ${verdict.waitFor.join(', ')}` });
      } else if (t.parked) {
        waiting.set(t.path, { kind: 'budget', text: `parked: ${t.parked.reason}; agentpool resume ${t.name} --budget N continues its agent session` });
      } else if (t.notBefore > now) {
        const at = showTime(t.notBefore, now, d.tasks.timeZone);
        waiting.set(t.path, t.where === 'inbox' ? { kind: 'not-before', text: `not before ${at}` } : { kind: 'retry', text: `retry at ${at}` });
      } else {
        const budget = budgetWait(d, project, input.spend);
        if (budget) waiting.set(t.path, { kind: 'budget', text: budget });
        else open.push(t);
      }
    }
  }
  const startable: PendingTask[] = [];
  const byProject = new Map<string, PendingTask[]>();
  for (const t of open) {
    let list = byProject.get(t.project);
    if (!list) byProject.set(t.project, (list = []));
    list.push(t);
  }
  for (const [path, tasks] of byProject) {
    const limit = d.projects.find((p) => p.path === path)?.maxConcurrent ?? null;
    if (limit === null) {
      startable.push(...tasks);
      continue;
    }
    const running = runningOf(queues.find((q) => q.project === path)!, input.claiming);
    tasks.sort((a, b) => PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority) || a.arrivedAt - b.arrivedAt || (a.name < b.name ? -1 : 1));
    const room = Math.max(0, limit - running);
    startable.push(...tasks.slice(0, room));
    // Its tasks running, and those ahead of it starting now, fill the limit.
    for (const t of tasks.slice(room)) waiting.set(t.path, { kind: 'limit', text: `project at its limit ${Math.max(running, limit)}/${limit}` });
  }
  return { startable, waiting, fail };
}

/** A project's tasks with an agent: claimed ones in active/ (not a queued retry), and those being claimed. */
function runningOf(q: ProjectQueue, claiming: ReadonlySet<string> | undefined): number {
  const claimed = q.active.filter((a) => a.sidecar.state !== 'queued').length;
  return claimed + (claiming ? q.pending.filter((t) => claiming.has(t.path)).length : 0);
}

/** Why `t` fails now, or the tasks it still waits for, or null when every one is settled its way. */
function judgeAfter(d: DesiredState, project: ProjectSpec, t: PendingTask, deps: ReadonlyMap<string, DepState>, circles: ReadonlyMap<string, string>): { fail: string } | { waitFor: string[] } | null {
  const self = `${project.name}/${t.name}`;
  const circle = circles.get(self);
  if (circle) return { fail: `its after: goes round in a circle (${circle}): no task of it can ever start; fix the after: lists` };
  const waitFor: string[] = [];
  for (const ref of t.after!) {
    const { key } = depKey(d, project, ref);
    const dep = deps.get(key);
    if (!dep) waitFor.push(ref); // not looked up yet (it arrived after the lookup): next pass
    else if (dep.at === 'unknown') return { fail: `its after: names ${ref}, but ${dep.why}; check the name, or drop the task it waits for in first` };
    else if (dep.at === 'failed') {
      if (t.afterFailed !== 'run') return { fail: `a task it waits for failed: ${key} (${dep.reason}); retry both, or set after_failed: run to run it anyway` };
    } else if (dep.at !== 'done') waitFor.push(ref);
  }
  return waitFor.length ? { waitFor } : null;
}

/**
 * The inbox tasks whose `after:` leads back to themselves, each with the circle as `a.md → b.md → a.md`. Only
 * inbox tasks can be in one: a task that started waited for nothing.
 */
function circlesOf(d: DesiredState, queues: readonly ProjectQueue[], deps: ReadonlyMap<string, DepState>): Map<string, string> {
  const edges = new Map<string, string[]>();
  for (const q of queues) {
    const project = d.projects.find((p) => p.path === q.project);
    if (!project) continue;
    for (const t of [...q.pending, ...q.settling]) {
      if (t.where !== 'inbox' || !t.after) continue;
      const to = t.after.map((ref) => depKey(d, project, ref).key).filter((k) => deps.get(k)?.at === 'inbox');
      edges.set(`${project.name}/${t.name}`, to);
    }
  }
  const circles = new Map<string, string>();
  const state = new Map<string, 'open' | 'closed'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') {
        // Each task of the circle reads it from itself: a.md → b.md → a.md, b.md → a.md → b.md.
        const loop = stack.slice(stack.indexOf(next));
        loop.forEach((n, i) => {
          if (!circles.has(n)) circles.set(n, [...loop.slice(i), ...loop.slice(0, i), n].join(' → '));
        });
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'closed');
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return circles;
}
