import type { DesiredState } from '../config/types.js';
import type { SlotView } from '../machines/types.js';
import { pickTasks } from '../tasks/order.js';
import { gate } from '../tasks/gate.js';
import type { ActiveTask } from '../tasks/types.js';
import { actionSession as actionSessionName, sortActions, type Action } from './actions.js';
import { desiredSlots, isPoolName, profileOf, slotIndex, taskProfile } from '../config/pool.js';
import { explainVerdict } from './explain.js';
import { savedTags, staleSlotTags } from './slot-tags.js';
import { dispose } from './retry.js';
import { fitsWarm } from './warm.js';
import { planWarm } from './plan-warm.js';
import { planRequests } from './plan-requests.js';
import { launchDecision } from '../sandbox/policy.js';
import { queueName } from '../fleet/job.js';
import type { Snapshot } from './snapshot.js';

/**
 * How many sessions are made at once. tmux 3.3a spends 40-70 ms of its own time on each new session, more as
 * it has more (measured, bench/README.md): a pool of 1,000 made in one burst would queue each creation behind
 * the others past its deadline. In batches, each pass's creations finish well within it.
 */
export const CREATES_PER_PASS = 32;

export interface PlanContext {
  /** Sessions with actions still running: nothing new is planned for them. */
  inFlight?: ReadonlySet<string>;
  /** Task paths being claimed right now. */
  claiming?: ReadonlySet<string>;
  /** When each project last got a task (fair turns). */
  lastServed?: ReadonlyMap<string, number>;
  /** Sessions cordoned besides those the snapshot says (`agentpool cordon`): they take no new task. */
  cordoned?: ReadonlySet<string>;
}

/**
 * Pure: desired state + observed world + slot machines → the actions that converge them. A converged world
 * gives []. Dry-run prints exactly this list.
 */
export function plan(d: DesiredState, snap: Snapshot, views: ReadonlyMap<string, SlotView>, ctx: PlanContext = {}): Action[] {
  const inFlight = ctx.inFlight ?? new Set<string>();
  const actions: Action[] = [];
  const wanted = desiredSlots(d);
  const wantedSet = new Set(wanted);
  const activeByPath = new Map<string, ActiveTask>();
  for (const q of snap.queues) for (const a of q.active) activeByPath.set(a.path, a);

  // Queue folders to create; tasks that can never run.
  for (const path of snap.unprepared ?? []) actions.push({ kind: 'prepare-project', path });
  for (const q of snap.queues) for (const t of q.rejected) actions.push({ kind: 'reject-task', task: t });
  // A person's requests (retry, cancel, cordon): the rest of the plan is made as if they were done.
  const requests = planRequests(d, snap, views, { ...ctx, inFlight });
  actions.push(...requests.actions);
  // The queue's rules (after:, not_before:, maxConcurrent): what may start, and what can never run now.
  const queue = gate(d, { queues: snap.queues, deps: snap.deps ?? new Map(), now: snap.now, ...(ctx.claiming ? { claiming: ctx.claiming } : {}), leaving: requests.cancelling, ...(snap.spend ? { spend: snap.spend } : {}) });
  for (const t of queue.fail) actions.push({ kind: 'reject-task', task: t });

  // Without a view of tmux nobody can tell which claimed task is still running: decide nothing about them.
  if (!snap.backend.ok) return sortActions(actions);

  // Claimed tasks no slot holds any more (the session vanished, the controller restarted): back to the queue.
  const held = new Set([...views.values()].map((v) => v.task).filter((t): t is string => !!t));
  for (const a of activeByPath.values()) {
    // A task in the fleet's queue (fleet mode) is no slot's here: the front door follows it (src/fleet/).
    if (a.sidecar.fleet) continue;
    if (a.sidecar.state === 'queued' || held.has(a.path) || (a.sidecar.session && inFlight.has(a.sidecar.session))) continue;
    const submitted = a.sidecar.state === 'submitted' || a.sidecar.state === 'submitting';
    actions.push({
      kind: 'requeue-task',
      path: a.path,
      project: a.project,
      refundAttempt: !submitted,
      notBefore: 0,
      reason: submitted
        ? `the session ${a.sidecar.session} went away while the agent was working on the task`
        : `the task was claimed by ${a.sidecar.session} but never sent to an agent`,
    });
  }

  // Pool shape: create what is missing (at most CREATES_PER_PASS at once), remove or drain what is surplus.
  let creates = [...inFlight].filter((s) => wantedSet.has(s) && !snap.sessions.has(s)).length;
  for (const [i, name] of wanted.entries()) {
    if (inFlight.has(name) || creates >= CREATES_PER_PASS) continue;
    const s = snap.sessions.get(name);
    if (!s && (views.get(name)?.state ?? 'absent') === 'absent') {
      actions.push({ kind: 'create-session', session: name, slot: d.pool.startIndex + i });
      creates++;
    }
  }
  // Our sessions whose ownership tags are missing or wrong get them back (a tag lost to a stray write).
  for (const s of snap.sessions.values()) {
    if (!s.owned || !isPoolName(d, s.name) || inFlight.has(s.name)) continue;
    const slot = String(slotIndex(d, s.name));
    if (s.tags.pool !== d.pool.prefix || s.tags.slot !== slot) {
      actions.push({ kind: 'retag', session: s.name, ref: s.ref, why: 'ownership', tags: { pool: d.pool.prefix, slot }, found: s.tags });
    }
  }
  for (const s of snap.sessions.values()) {
    if (!s.owned || !isPoolName(d, s.name) || wantedSet.has(s.name) || inFlight.has(s.name)) continue;
    const v = views.get(s.name);
    const state = v?.state ?? 'absent';
    if (state === 'absent' || state === 'idle' || state === 'warming' || state === 'ready' || state === 'cooldown') {
      actions.push({ kind: 'kill-session', session: s.name, ref: s.ref, reason: 'the pool is smaller than this slot' });
    } else if (!v?.draining) {
      actions.push({ kind: 'drain-session', session: s.name });
    }
  }

  // Slots whose agent is done, failed or timed out: stop the agent and settle the task.
  for (const [session, v] of views) {
    if (v.state !== 'stopping' || !v.verdict || inFlight.has(session)) continue;
    const attempts = (v.task && activeByPath.get(v.task)?.sidecar.attempts) || 1;
    const disp = dispose(d, v.verdict, attempts, snap.now);
    const agent = profileOf(d, v.agent).name;
    actions.push({ kind: 'stop-agent', session, agent, task: v.task, verdict: explainVerdict(v.verdict, snap.agents.get(session), agent), ...disp });
  }

  // Agents showing a ready prompt get their task; a dialog their profile answers is answered first.
  for (const [session, v] of views) {
    if (v.state !== 'awaitingPrompt' || !v.task || inFlight.has(session) || requests.stopping.has(session)) continue;
    const sig = snap.agents.get(session);
    const answer = sig?.screen?.answer;
    const agent = profileOf(d, v.agent).name;
    if (answer) {
      actions.push({ kind: 'answer-dialog', session, agent, answer });
    } else if (sig?.screen?.ready) {
      actions.push({ kind: 'submit-task', session, task: v.task, agent });
    }
  }

  // Free slots take the next tasks; a slot created by this plan takes one right after its creation. A warm
  // agent (prewarm) that fits a task's project and model takes it straight away; any other task gets a
  // fresh agent, in an idle slot first, else in place of a warm agent that fits nothing.
  const creating = new Set(actions.flatMap((a) => (a.kind === 'create-session' ? [a.session] : [])));
  // Fleet mode: a front door's projects give their tasks to the fleet's queue, as many as their limits let
  // into it (maxConcurrent: at most that many of a project's jobs in the queue), never to this pool's slots.
  const fed = new Set(d.projects.filter((p) => p.fleet === 'front-door').map((p) => p.path));
  const settling = fed.size ? new Set(snap.queues.flatMap((q) => q.settling.map((t) => t.path))) : new Set<string>();
  for (const task of queue.startable.filter((t) => fed.has(t.project) && !settling.has(t.path))) {
    const priority = task.where === 'active' ? activeByPath.get(task.path)?.sidecar.priority ?? task.priority : task.priority;
    const agent = taskProfile(d, task);
    actions.push({ kind: 'add-job', task, queue: queueName(agent.name), agent: agent.name, model: task.model ?? agent.models[priority], priority });
  }
  const startable = fed.size ? queue.startable.filter((t) => !fed.has(t.project)) : queue.startable;
  const takes = (name: string, state: 'idle' | 'ready' | 'warming') => {
    if (requests.cordoned.has(name)) return false;
    const v = views.get(name);
    // Draining only matters outside the pool's range; a slot back in range after a grow takes work again.
    return v?.state === state && !inFlight.has(name) && snap.sessions.get(name)?.owned;
  };
  const idle = wanted.filter((name) => creating.has(name) || takes(name, 'idle'));
  const ready = wanted.filter((name) => takes(name, 'ready'));
  const warming = wanted.filter((name) => takes(name, 'warming'));
  // An agent program that cannot be run would fail every task: they wait in the queue, attempts kept.
  if (idle.length + ready.length > 0 && !snap.agentMissing) {
    // A file still settling takes its place in the order: its slot waits (at most `settle`) instead of
    // going to work that it outranks.
    const settlingPaths = new Set(snap.queues.flatMap((q) => q.settling.map((t) => t.path)));
    const picked = pickTasks(startable, idle.length + ready.length, snap.now, ctx.lastServed);
    // The slots those settling files will want are not warmed meanwhile.
    idle.splice(Math.max(0, idle.length - picked.filter((t) => settlingPaths.has(t.path)).length));
    for (const task of picked.filter((t) => !settlingPaths.has(t.path))) {
      const priority = task.where === 'active' ? activeByPath.get(task.path)?.sidecar.priority ?? task.priority : task.priority;
      const agent = taskProfile(d, task);
      const want = { project: task.project, model: task.model ?? agent.models[priority], agent: agent.name };
      // sandbox: on where no sandbox can start: the task waits (status says why), it never runs without one.
      const box = launchDecision(d, agent, task.project, snap.sandboxProblem ?? null);
      if (box === 'refuse') continue;
      // A retry (its record may say to resume) or a task that resumes an agent session needs its own launch.
      const fit = task.where === 'inbox' && !task.resume ? ready.findIndex((name) => fitsWarm(views.get(name)!.warm, views.get(name)!.agent, want)) : -1;
      if (fit !== -1) {
        const session = ready.splice(fit, 1)[0]!;
        actions.push({ kind: 'claim-task', session, task, warm: true });
        actions.push({ kind: 'submit-task', session, task: task.path, agent: agent.name, warm: views.get(session)!.warm! });
        continue;
      }
      // A task whose warm agent is still starting waits for it, rather than replace another one's.
      const starting = fit === -1 && idle.length === 0 ? warming.findIndex((name) => fitsWarm(views.get(name)!.warm, views.get(name)!.agent, want)) : -1;
      if (starting !== -1) {
        warming.splice(starting, 1);
        continue;
      }
      const session = idle.shift() ?? ready.shift();
      if (!session) break;
      actions.push({ kind: 'claim-task', session, task });
      actions.push({ kind: 'launch-agent', session, task: task.path, agent: agent.name, model: want.model, priority, project: task.project, ...(box === 'yes' ? { sandboxed: true as const } : {}) });
    }
  }
  actions.push(...planWarm(d, snap, views, { wanted, idle, inFlight, planned: actions }));
  // A resting slot whose saved state lags its machine (a cooldown that ended, a turn the agent's own
  // signals started) gets it written, so status and a restarted controller see what the machine does.
  const busy = new Set(actions.flatMap((a) => (actionSessionName(a) ? [actionSessionName(a)!] : [])));
  for (const [session, v] of views) {
    const s = snap.sessions.get(session);
    if (!s?.owned || inFlight.has(session) || busy.has(session)) continue;
    const tags = staleSlotTags(v, s);
    if (tags) actions.push({ kind: 'retag', session, ref: s.ref, why: 'state', tags, found: savedTags(s) });
  }

  return sortActions(actions);
}
