import { basename, dirname } from 'node:path';
import type { DesiredState } from '../config/types.js';
import type { SlotView } from '../machines/types.js';
import { isPoolName } from '../config/pool.js';
import { projectOfTask } from '../tasks/task-id.js';
import type { ActiveTask } from '../tasks/types.js';
import type { Action, RequestRef } from './actions.js';
import type { Snapshot } from './snapshot.js';

/** A slot whose agent a cancel recorded before a controller died is stopped in these states. */
const STOPPABLE = new Set(['launching', 'awaitingPrompt', 'working']);

export interface PlannedRequests {
  actions: Action[];
  /** Tasks being cancelled by these actions: not claimed in the same pass. */
  cancelling: Set<string>;
  /** Sessions these actions stop: nothing else is planned for them in the same pass. */
  stopping: Set<string>;
  /** The cordoned sessions once these actions are done: the same pass plans with them. */
  cordoned: Set<string>;
}

/**
 * Pure: a person's waiting requests (and cancels a dead controller left unfinished) → the actions that
 * answer them. A request that cannot be acted on yet gets no action and stays for a later pass: a cancel
 * whose slot has actions running (told once they are over), or whose task is being claimed or was left
 * by a session that went away (the requeue comes first). Whether a target is still there, or has ended,
 * is for dispatch to find out, and to say in its reply.
 */
export function planRequests(
  d: DesiredState,
  snap: Snapshot,
  views: ReadonlyMap<string, SlotView>,
  ctx: { inFlight: ReadonlySet<string>; claiming?: ReadonlySet<string>; cordoned?: ReadonlySet<string> },
): PlannedRequests {
  const out: PlannedRequests = { actions: [], cancelling: new Set(), stopping: new Set(), cordoned: new Set([...(snap.cordoned ?? []), ...(ctx.cordoned ?? [])]) };
  const active = new Map<string, ActiveTask>();
  for (const q of snap.queues) for (const a of q.active) active.set(a.path, a);
  // A task outside every project (moved there since it was asked about) is named by its queue's folder.
  const project = (path: string) => projectOfTask(d, path)?.path ?? dirname(dirname(dirname(path)));
  const holderOf = (path: string) => [...views.values()].find((v) => v.task === path);
  const cancel = (path: string, holder: SlotView | undefined, request: RequestRef | undefined) => {
    out.actions.push({ kind: 'cancel-task', path, project: project(path), ...(holder ? { session: holder.session } : {}), ...(request ? { request } : {}) });
    out.cancelling.add(path);
    // A slot already stopping is not stopped again (dispatch says so): its stop-agent still goes ahead.
    if (holder && holder.state !== 'stopping') out.stopping.add(holder.session);
  };

  for (const req of snap.requests ?? []) {
    const request = { id: req.id, at: req.at };
    if (req.kind === 'cordon' || req.kind === 'uncordon') {
      out.actions.push({ kind: 'cordon-session', target: req.target, on: req.kind === 'cordon', request });
      if (isPoolName(d, req.target)) {
        if (req.kind === 'cordon') out.cordoned.add(req.target);
        else out.cordoned.delete(req.target);
      }
    } else if (req.kind === 'retry') {
      out.actions.push({ kind: 'retry-task', path: req.target, project: project(req.target), request });
    } else if (req.kind === 'resume') {
      out.actions.push({ kind: 'resume-task', path: req.target, project: project(req.target), budget: req.budget ?? 0, request });
    } else if (req.kind === 'cancel' && !out.cancelling.has(req.target)) {
      const holder = basename(dirname(req.target)) === 'active' ? holderOf(req.target) : undefined;
      if (holder) {
        if (!ctx.inFlight.has(holder.session)) cancel(req.target, holder, request);
        continue;
      }
      const t = active.get(req.target);
      // Claimed a moment ago, or left by a session that went away (the next pass requeues it): not yet.
      // (A task in the fleet's queue is no slot's here: its cancel goes to the queue.)
      if (ctx.claiming?.has(req.target) || (t && t.sidecar.state !== 'queued' && !t.sidecar.fleet)) continue;
      cancel(req.target, undefined, request);
    }
  }
  // A cancel recorded by a controller that died before it stopped the agent (adopted since): finish it.
  for (const t of active.values()) {
    const holder = t.sidecar.cancel && !out.cancelling.has(t.path) ? holderOf(t.path) : undefined;
    if (holder && STOPPABLE.has(holder.state) && !ctx.inFlight.has(holder.session)) cancel(t.path, holder, undefined);
  }
  return out;
}
