import { notify } from '../notify/notify.js';
import { Attempt, reject } from '../tasks/ledger.js';
import { agentFor, newAct, record, recordWith, type Act, type ActDeps } from './act-context.js';
import type { Action } from './actions.js';
import { launch, stop, submit, warm } from './agent-steps.js';
import { profileOf } from '../config/pool.js';
import { IDLE_TAGS } from './slot-tags.js';
import { closeWarmWorkspace, closeWorkspace } from './workspace.js';
import { performRequest } from './request-steps.js';
import { prepareProject } from './prepare.js';

export type { ActDeps as DispatchDeps };

/**
 * Performs one session's actions in order (or one task-only action): each action goes to the session
 * backend, the slot's agent driver or the task store (a person's request is answered too), and its result
 * back to the slot machine as events (act-context.ts `record`, which also writes the session's tags).
 * Expected failures (a task taken by someone else, an agent that will not start) become events too; only
 * a broken environment throws.
 */
export async function dispatch(deps: ActDeps, actions: readonly Action[]): Promise<void> {
  const x = newAct(deps);
  for (const a of actions) {
    x.log.debug({ action: a.kind, ...('session' in a ? { session: a.session } : {}) }, 'action');
    await perform(x, a);
  }
}

async function perform(x: Act, a: Action): Promise<void> {
  const { d, backend, slots, clock, log } = x;
  switch (a.kind) {
    case 'create-session': {
      const ref = await backend.create(a.session, { pool: d.pool.prefix, slot: String(a.slot), ...IDLE_TAGS });
      x.refs.set(a.session, ref);
      x.written.set(a.session, IDLE_TAGS);
      return recordWith(x, a.session, { msg: 'created pool session', fields: { ref } }, { type: 'CREATED' });
    }
    case 'kill-session': {
      const warmWorktree = slots.view(a.session).warm?.worktree;
      await backend.destroy(a.ref);
      log.info({ session: a.session, reason: a.reason }, 'removed pool session');
      slots.remove(a.session);
      return closeWarmWorkspace(x, a.session, warmWorktree);
    }
    case 'retag':
      await backend.setTags(a.ref, a.tags);
      if (a.why === 'ownership') log.warn({ session: a.session, found: a.found }, 'repaired the ownership tags of a pool session');
      else log.debug({ session: a.session, state: a.tags.state, was: a.found.state }, 'recorded the slot state on its session');
      return;
    case 'drain-session':
      log.info({ session: a.session }, 'draining: the session goes once its task is finished');
      return record(x, a.session, { type: 'DRAIN' });
    case 'prepare-project':
      return prepareProject(x, a);
    case 'reject-task': {
      const rejected = await reject(a.task, clock.now()).catch(ignoreGone);
      if (!rejected) return;
      log.warn({ task: a.task.path, movedTo: rejected.path, reason: a.task.reason }, 'rejected a task that cannot run');
      const notice = { event: 'failed', task: rejected.path, project: a.task.project, session: null, reason: a.task.reason } as const;
      return notify(d.notify, { ...notice, record: rejected.record }, log);
    }
    case 'requeue-task': {
      const attempt = await Attempt.open(a.path);
      // A task cancelled before its agent was stopped (the controller died in between) is not run again.
      const cancel = attempt.sidecar?.cancel;
      if (cancel) {
        const git = await closeWorkspace(x, a.path, 'failed').catch(() => null);
        const dest = await attempt.settle({ disposition: 'fail', reason: cancel.reason, now: clock.now(), git, log: null });
        log.info({ task: dest }, 'task cancelled');
        return;
      }
      const git = await closeWorkspace(x, a.path, 'requeued').catch((err: Error) => {
        log.warn({ task: a.path, err: err.message }, 'could not close the task\'s worktree; it is kept as it is');
        return null;
      });
      await attempt.settle({ disposition: 'retry', reason: a.reason, outcome: 'requeued', notBefore: a.notBefore, refundAttempt: a.refundAttempt, now: clock.now(), git, log: null });
      log.warn({ task: a.path, reason: a.reason }, 'task back in the queue');
      return;
    }
    case 'claim-task':
      try {
        // A warm agent replaced by a fresh one for this task: its worktree, which no task took, goes.
        const replaced = a.warm ? undefined : x.slots.view(a.session).warm?.worktree;
        const claimed = await Attempt.claim(a.task, a.session, clock.now());
        if (replaced) x.retiredWarm.set(a.session, replaced);
        x.claimed.set(a.task.path, claimed.path);
        const reuse = a.warm ? { reuse: { deadline: clock.now() + profileOf(d, x.slots.view(a.session).agent).promptTimeoutMs } } : {};
        const fields = { attempt: claimed.sidecar!.attempts, priority: claimed.sidecar!.priority, ...(a.warm ? { warmAgent: true } : {}) };
        return await recordWith(x, a.session, { msg: 'claimed task', fields }, { type: 'CLAIMED', task: claimed.path, ...reuse });
      } catch (err) {
        log.info({ session: a.session, task: a.task.path, err: (err as Error).message }, 'task gone before it could be claimed');
        return record(x, a.session, { type: 'CLAIM_FAILED' });
      }
    case 'add-job': {
      if (!x.fleet) return void log.error({ task: a.task.path }, 'an add-job without a fleet front door (a bug): the task stays in the inbox');
      const { task: _t, kind: _k, ...ask } = a;
      await x.fleet.add(d, a.task, ask).catch((err: NodeJS.ErrnoException) => {
        // Gone meanwhile (a person moved it, another claimer): nothing to do; anything else is said.
        if (err.code !== 'ENOENT') log.warn({ task: a.task.path, err: err.message }, 'could not give the task to the fleet\'s queue; the next pass tries again');
      });
      return;
    }
    case 'launch-agent':
      await launch(x, a);
      return closeWarmWorkspace(x, a.session, x.retiredWarm.get(a.session));
    case 'warm-agent':
      return warm(x, a);
    case 'submit-task':
      return submit(x, a);
    case 'answer-dialog': {
      const { driver, c, io } = agentFor(x, a.session, a.agent);
      if (io && !x.sessions.get(a.session)?.process.dead) await driver.answer(c, io, a.answer);
      return;
    }
    case 'stop-agent':
      return stop(x, a);
    case 'cancel-task':
    case 'retry-task':
    case 'resume-task':
    case 'cordon-session':
      return performRequest(x, a);
  }
}

function ignoreGone(err: NodeJS.ErrnoException): null {
  if (err.code === 'ENOENT') return null;
  throw err;
}
