import { basename, dirname } from 'node:path';
import { readCordoned, writeCordoned } from '../controls/cordoned.js';
import { answerRequest, type ControlReply } from '../controls/requests.js';
import { desiredSlots, isPoolName } from '../config/pool.js';
import { Attempt, cancelWaiting, checkTask, retryFailed, taskRules } from '../tasks/ledger.js';
import { exists } from '../util/fs.js';
import { taskUsage } from '../costs/usage.js';
import { record, type Act } from './act-context.js';
import type { Action } from './actions.js';

type RequestAction = Extract<Action, { kind: 'cancel-task' | 'retry-task' | 'resume-task' | 'cordon-session' }>;

const CANCEL_REASON = 'cancelled with agentpool cancel';

/**
 * Does what a person asked (plan-requests.ts planned it) and answers the request: the CLI that made it
 * waits for that reply. A refusal is the requester's to read (the reply says why), not a problem of the
 * controller's; `later` leaves the request for a later pass (the world moved since the plan).
 */
export async function performRequest(x: Act, a: RequestAction): Promise<void> {
  // A cancel recorded by a controller that died before it stopped the agent: nobody waits for a reply.
  if (!a.request) return a.kind === 'cancel-task' && a.session ? stopCancelled(x, a.session) : undefined;
  const kind = a.kind === 'cordon-session' ? (a.on ? 'cordon' : 'uncordon') : a.kind === 'retry-task' ? 'retry' : a.kind === 'resume-task' ? 'resume' : 'cancel';
  const reply = await act(x, a).catch((err: Error): ControlReply => ({ ok: false, message: `could not ${kind}: ${err.message}` }));
  if (reply === 'later') return;
  await answerRequest(x.d.controller.stateDir, a.request, reply);
  x.log.info({ request: kind, target: a.kind === 'cordon-session' ? a.target : a.path, ok: reply.ok }, reply.message);
}

function act(x: Act, a: RequestAction): Promise<ControlReply | 'later'> {
  switch (a.kind) {
    case 'cordon-session':
      return cordon(x, a.target, a.on);
    case 'retry-task':
      return retry(x, a.path);
    case 'resume-task':
      return resume(a.path, a.budget);
    case 'cancel-task':
      return cancel(x, a);
  }
}

async function cordon(x: Act, session: string, on: boolean): Promise<ControlReply> {
  const { d } = x;
  if (!isPoolName(d, session)) return { ok: false, message: `${session} is not a session of the pool ${d.pool.prefix}*` };
  const cordoned = await readCordoned(d.controller.stateDir);
  // A name of the pool's form that is no slot and no session (a typo, or a slot the pool shrank past): one
  // that is already cordoned can still be uncordoned.
  const slots = desiredSlots(d);
  if (!slots.includes(session) && !x.sessions.has(session) && !(cordoned.has(session) && !on)) {
    return { ok: false, message: `${session} is not a session of the pool: its slots are ${slots.length ? `${slots[0]} to ${slots.at(-1)}` : 'none (pool.size is 0)'}` };
  }
  if (on === cordoned.has(session)) return { ok: true, message: `${session} is ${on ? 'already cordoned' : 'not cordoned'}` };
  if (on) cordoned.add(session);
  else cordoned.delete(session);
  await writeCordoned(d.controller.stateDir, cordoned);
  if (!on) return { ok: true, message: `${session} takes tasks again` };
  const task = x.slots.view(session).task;
  return { ok: true, message: task ? `${session} finishes ${basename(task)}, then takes no new work` : `${session} takes no new work` };
}

async function retry(x: Act, path: string): Promise<ControlReply> {
  const where = basename(dirname(path));
  if (!(await exists(path))) return { ok: false, message: `${path} is not there any more` };
  if (where !== 'failed') {
    const why = where === 'done' ? 'it is done; copy it into the inbox to run it again' : where === 'active' ? 'it is active: running, or queued for its next attempt' : 'it is waiting in the inbox';
    return { ok: false, message: `${basename(path)} cannot be retried: ${why}` };
  }
  // The file is judged again first: a task rejected for itself would only fail again, costing an agent's time.
  const checked = await checkTask(path, taskRules(x.d));
  if (!checked.ok) return { ok: false, message: `${basename(path)} cannot be retried: fix the file first: ${checked.reason}` };
  const dest = await retryFailed(path, { now: x.clock.now(), reason: 'retried with agentpool retry', meta: checked.task.meta });
  return { ok: true, message: `${basename(path)} is queued again (${dest}), attempts reset, its history kept` };
}

/** A parked task continues: its new cap, and its next launch resumes its agent session. */
async function resume(path: string, budget: number): Promise<ControlReply> {
  if (basename(dirname(path)) !== 'active' || !(await exists(path))) return { ok: false, message: `${basename(path)} is not parked: only a task whose cap was spent can be resumed` };
  const attempt = await Attempt.open(path);
  if (!attempt.sidecar?.parked) return { ok: false, message: `${basename(path)} is not parked: only a task whose cap was spent can be resumed` };
  const spent = taskUsage(attempt.sidecar.history.map((h) => h.usage));
  if (spent?.cost !== null && spent?.cost !== undefined && budget <= spent.cost) {
    return { ok: false, message: `${basename(path)} has spent $${spent.cost.toFixed(4)} already: give it a cap above that (--budget)` };
  }
  const s = await attempt.resumeParked({ cost: budget, tokens: null });
  return { ok: true, message: `${basename(path)} continues with a cap of $${budget}${s.resumeAgentSession ? `, in its agent session ${s.resumeAgentSession}` : ''}` };
}

async function cancel(x: Act, a: Extract<Action, { kind: 'cancel-task' }>): Promise<ControlReply | 'later'> {
  const { path, project } = a;
  const where = basename(dirname(path));
  if (!(await exists(path))) return { ok: false, message: `${path} is not there any more` };
  if (where === 'done' || where === 'failed') return { ok: false, message: `${basename(path)} has already ended (in ${where}/)` };
  if (where !== 'active') {
    const dest = await cancelWaiting(path, project, { now: x.clock.now(), reason: CANCEL_REASON });
    return { ok: true, message: `${basename(path)} cancelled before it started: ${dest}` };
  }
  const holder = x.slots.views().find((v) => v.task === path);
  if (holder) {
    // Planned for the slot that held it when the pass looked: one that took it since waits for the next.
    if (holder.session !== a.session) return 'later';
    if (holder.state === 'stopping') return { ok: false, message: `${basename(path)} is already ending in ${holder.session}` };
    // Written first: a controller that dies before the agent is stopped finishes the cancel on restart.
    await (await Attempt.open(path)).cancelRequested(x.clock.now(), CANCEL_REASON);
    await stopCancelled(x, holder.session);
    return { ok: true, message: `cancelling ${basename(path)}: the agent in ${holder.session} is stopped and the task goes to failed/` };
  }
  if (a.session) return 'later'; // its slot let go of it since the pass looked: the next pass sees where it is
  const attempt = await Attempt.open(path);
  const fleet = attempt.sidecar?.fleet;
  if (fleet && x.fleet) {
    // In the fleet's queue: written first, so the task ends in failed/ whatever its job does next.
    await attempt.cancelRequested(x.clock.now(), CANCEL_REASON);
    if ((await x.fleet.cancel(fleet)) === 'asked') return { ok: true, message: `cancelling ${basename(path)}: the host running it stops its agent, and the task goes to failed/ when its job ends` };
    const dest = await attempt.settle({ disposition: 'fail', reason: CANCEL_REASON, now: x.clock.now(), git: null, log: null });
    return { ok: true, message: `${basename(path)} cancelled before a host took it: ${dest}` };
  }
  // Left by a session that went away (the next pass requeues it): not yet.
  if (attempt.sidecar && attempt.sidecar.state !== 'queued') return 'later';
  const dest = await attempt.settle({ disposition: 'fail', reason: CANCEL_REASON, now: x.clock.now(), git: null, log: null });
  return { ok: true, message: `${basename(path)} cancelled while it waited for its next attempt: ${dest}` };
}

/** The slot's agent is to stop, its task cancelled: the next pass plans the stop-agent that settles it. */
function stopCancelled(x: Act, session: string): Promise<void> {
  return record(x, session, { type: 'FAILED', verdict: { outcome: 'cancelled', reason: CANCEL_REASON } });
}
