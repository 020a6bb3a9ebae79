import { basename, dirname } from 'node:path';
import type { DesiredState } from '../config/types.js';
import type { Action, RequestRef } from '../reconciler/actions.js';
import { branchLeaf } from '../git/worktree.js';
import { projectName } from '../tasks/task-id.js';
import { gate } from '../tasks/gate.js';
import { taskProfile } from '../config/pool.js';
import { launchDecision } from '../sandbox/policy.js';
import type { Snapshot } from '../reconciler/snapshot.js';

/**
 * kubectl-style lines, one per action: `session/ccl-auto-3 create`. `now`: the time of the plan, for how
 * long a person's request has waited.
 */
export function formatPlan(d: DesiredState, actions: readonly Action[], now = Date.now()): string[] {
  const task = (project: string, file: string) => `task/${projectName(d, project)}/${basename(file)}`;
  const asked = (r: RequestRef) => `requested ${Math.max(0, Math.round((now - r.at) / 1000))} s ago`;
  return actions.map((a) => {
    switch (a.kind) {
      case 'create-session':
        return `session/${a.session} create`;
      case 'kill-session':
        return `session/${a.session} delete (${a.reason})`;
      case 'retag':
        return a.why === 'ownership'
          ? `session/${a.session} retag pool=${a.tags.pool} slot=${a.tags.slot} (found pool=${a.found.pool || '(none)'} slot=${a.found.slot || '(none)'})`
          : `session/${a.session} record state ${a.tags.state} (its session said ${a.found.state || '(none)'})`;
      case 'drain-session':
        return `session/${a.session} drain (finishes its task, then goes)`;
      case 'prepare-project': {
        const p = d.projects.find((q) => q.path === a.path);
        return `project/${p?.name ?? a.path} create queue folders under ${p ? dirname(p.inbox) : a.path}`;
      }
      case 'reject-task':
        return `${task(a.task.project, a.task.path)} reject → failed/ (${a.task.reason})`;
      case 'requeue-task':
        return `${task(a.project, a.path)} requeue (${a.reason})`;
      case 'add-job':
        return `${task(a.task.project, a.task.path)} add → fleet queue ${a.queue} (priority ${a.priority}, ${a.agent} model=${a.model})`;
      case 'claim-task':
        return `${task(a.task.project, a.task.path)} claim → session/${a.session} (priority ${a.task.priority}${a.warm ? ', to its warm agent' : ''})`;
      case 'launch-agent': {
        const where = d.projects.find((p) => p.path === a.project)?.isolation === 'worktree'
          ? `in a new worktree of ${a.project} on branch agentpool/${branchLeaf(basename(a.task))} (or the next free name)`
          : `cwd=${a.project}`;
        return `session/${a.session} launch ${a.agent} model=${a.model} ${where}${a.sandboxed ? ' sandboxed' : ''}`;
      }
      case 'warm-agent': {
        const where = d.projects.find((p) => p.path === a.project)?.isolation === 'worktree' ? `in a new worktree of ${a.project} at its base commit` : `cwd=${a.project}`;
        return `session/${a.session} warm ${a.agent} model=${a.model} ${where} (ahead of the next task)`;
      }
      case 'submit-task':
        return `session/${a.session} submit ${basename(a.task)}${a.warm ? ' to the warm agent' : ''}`;
      case 'answer-dialog':
        return `session/${a.session} answer-dialog ${a.answer.name} (${a.answer.choose !== undefined ? `choose "${a.answer.choose}"` : `keys ${(a.answer.keys ?? []).join(' ')}`})`;
      case 'stop-agent':
        return a.task ? `session/${a.session} stop-agent → task ${a.disposition} (${a.verdict.reason})` : `session/${a.session} stop-agent (${a.verdict.reason})`;
      case 'cancel-task': {
        const stop = a.session ? ` → stop the agent in session/${a.session}` : '';
        return `${task(a.project, a.path)} cancel${stop} (${a.request ? asked(a.request) : 'recorded before the controller restarted'})`;
      }
      case 'retry-task':
        return `${task(a.project, a.path)} retry (${asked(a.request)})`;
      case 'resume-task':
        return `${task(a.project, a.path)} resume with a cap of $${a.budget} (${asked(a.request)})`;
      case 'cordon-session':
        return `session/${a.target} ${a.on ? 'cordon' : 'uncordon'} (${asked(a.request)})`;
    }
  });
}

/**
 * Why each queued task that the plan does not start waits, as lines after the plan's: `task/webapp/b.md
 * waits (after a.md)`, or for a free session. Not actions: a pool whose tasks only wait is in sync.
 */
export function formatWaits(d: DesiredState, snap: Pick<Snapshot, 'queues' | 'deps' | 'now' | 'sandboxProblem' | 'spend'>, actions: readonly Action[]): string[] {
  const waits = gate(d, { queues: snap.queues, deps: snap.deps ?? new Map(), now: snap.now, ...(snap.spend ? { spend: snap.spend } : {}) }).waiting;
  const leaving = new Set(actions.flatMap((a) => (a.kind === 'claim-task' || a.kind === 'add-job' ? [a.task.path] : a.kind === 'reject-task' ? [a.task.path] : a.kind === 'cancel-task' ? [a.path] : [])));
  const lines: string[] = [];
  for (const q of snap.queues) {
    for (const t of q.pending) {
      if (leaving.has(t.path)) continue;
      const refused = launchDecision(d, taskProfile(d, t), t.project, snap.sandboxProblem ?? null) === 'refuse';
      const why = waits.get(t.path)?.text ?? (refused ? 'sandbox: on, and no sandbox can start here' : 'for a free session');
      lines.push(`task/${projectName(d, t.project)}/${t.name} waits (${why})`);
    }
  }
  return lines;
}

/** The JSON form of the plan (`-o json`): the actions as data. */
export function planJson(actions: readonly Action[]): string {
  return JSON.stringify(actions, null, 2);
}
