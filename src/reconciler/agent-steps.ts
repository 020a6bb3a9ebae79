import { randomUUID } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { buildMessage } from '../agents/launch.js';
import { deliversInArgv } from '../config/agents.js';
import type { DesiredState } from '../config/types.js';
import { exists, isDirectory } from '../util/fs.js';
import { Attempt } from '../tasks/attempt.js';
import { taskRules } from '../tasks/ledger.js';
import type { Verdict } from '../machines/types.js';
import { agentFor, record, recordWith, type Act } from './act-context.js';
import { claimWarmWorkspace, closeWarmWorkspace, openWarmWorkspace, openWorkspace } from './workspace.js';
import { saveAttemptLog } from './attempt-log.js';
import { settle } from './outcome.js';
import type { Action } from './actions.js';
import { startAgent } from './start-agent.js';
import { submitWaits } from '../drivers/submit-waits.js';

/**
 * The steps of a task's life that touch its agent: launch, submit, stop. Each is the driver's work plus the
 * task's record (its attempt in the ledger, tasks/attempt.ts: read once per step, each fact written before
 * the effect it announces) and the slot's events. How an ended attempt settles is outcome.ts.
 */

export async function launch(x: Act, a: Extract<Action, { kind: 'launch-agent' }>): Promise<void> {
  const task = x.claimed.get(a.task) ?? a.task;
  const { driver, c, io } = agentFor(x, a.session, a.agent);
  const fail = (reason: string) => record(x, a.session, { type: 'FAILED', verdict: { outcome: 'failed', reason } });
  if (!io) return fail('the pool session disappeared before the agent could start');
  if (!(await isDirectory(a.project))) {
    return fail(`the project folder ${a.project} is missing: restore it or remove the project from the config`);
  }
  const attempt = await Attempt.open(task);
  // Before any branch or worktree: a task that can never run fails alone, its session free at once.
  const checked = await attempt.check(taskRules(x.d));
  if (!checked.ok) return record(x, a.session, { type: 'FAILED', verdict: taskFault(checked.reason) });
  const project = x.d.projects.find((p) => p.path === a.project);
  const workspace = project ? await openWorkspace(x, attempt, project) : { cwd: a.project, trust: a.project, root: a.project };
  if ('error' in workspace) return fail(workspace.error);
  // A profile that takes the task in its argv gets it at launch: starting the process is the delivery.
  const inArgv = deliversInArgv(c.profile.command);
  const started = await startAgent(x, { driver, c, io }, {
    session: a.session, project: a.project, task, cwd: workspace.cwd, trust: workspace.trust, root: workspace.root, fail,
    spec: async () => {
      const parsed = checked.task;
      // A parked task that a person resumed continues its agent session (its work is not paid for twice).
      const resumeId = parsed.meta.resume ?? attempt.sidecar?.resumeAgentSession ?? (await takeResumeId(x.d, a.session));
      const agentSessionId = resumeId ?? (c.profile.newSessionArgs.length ? randomUUID() : '');
      const message = inArgv ? messageFor(x.d, task, parsed.body) : undefined;
      return { model: a.model, project: a.project, agentSessionId, resume: resumeId !== null, ...(message !== undefined ? { message } : {}) };
    },
    writeAhead: (now, spec, sandboxed) => attempt.launched({ model: a.model, agentSessionId: spec.agentSessionId || null, session: a.session, at: now, submitted: inArgv, sandboxed }),
  });
  if (!started) return;
  const { now, argv } = started;
  if (inArgv) x.events?.submitted((now - attempt.sidecar!.arrivedAt) / 1000);
  const launched = { type: 'LAUNCHED', deadline: now + c.profile.promptTimeoutMs, agent: c.profile.name } as const;
  const shownArgv = argv.map((w) => (w.length > 200 ? `${w.slice(0, 200)}…` : w));
  const note = { msg: inArgv ? 'launched agent with the task in its argv' : 'launched agent', fields: { agent: c.profile.name, model: a.model, cwd: workspace.cwd, argv: shownArgv, sandboxed: started.sandboxed } };
  if (inArgv) await recordWith(x, a.session, note, launched, { type: 'SUBMITTED', deadline: now + (attempt.sidecar!.timeoutMs ?? c.profile.taskTimeoutMs) });
  else await recordWith(x, a.session, note, launched);
}

/**
 * Prewarm: starts the pool's agent for a task not yet known, in `a.project` with `a.model`, so the next
 * task of that project and model goes to an agent already at its prompt. Nothing is recorded on any task:
 * the agent's launch becomes a task's when a task is given to it (submit, `warm`).
 */
export async function warm(x: Act, a: Extract<Action, { kind: 'warm-agent' }>): Promise<void> {
  const { driver, c, io } = agentFor(x, a.session, a.agent);
  // Any failure goes through stopping and a cooldown (afterFailure), so a cause that lasts is retried at
  // that pace, not on every pass.
  const fail = (reason: string) => record(x, a.session, { type: 'FAILED', verdict: { outcome: 'failed', reason: `cannot warm an agent: ${reason}` } });
  if (!io) return;
  if (!(await isDirectory(a.project))) return; // the pass reports the missing folder; nothing warms there
  // A resume id left for this session is for its next launch: that one is a task's, not a warm-up.
  if (x.d.tasks.resumeIdDir && (await exists(join(x.d.tasks.resumeIdDir, `${a.session}-resume-id.txt`)))) return;
  // A project with isolation: worktree: the agent waits in a worktree made for it at the base commit.
  const project = x.d.projects.find((p) => p.path === a.project);
  const worktree = project?.isolation === 'worktree' ? await openWarmWorkspace(x, project, a.session) : undefined;
  if (worktree && 'error' in worktree) return fail(worktree.error);
  const agentSessionId = c.profile.newSessionArgs.length ? randomUUID() : '';
  const cwd = worktree?.cwd ?? a.project;
  const started = await startAgent(x, { driver, c, io }, {
    session: a.session, project: a.project, cwd, trust: worktree?.repo ?? a.project, root: worktree?.path ?? a.project,
    spec: async () => ({ model: a.model, project: a.project, agentSessionId, resume: false }),
    fail: async (reason) => {
      await closeWarmWorkspace(x, a.session, worktree);
      return fail(reason);
    },
  });
  if (!started) return;
  const warmAgent = { project: a.project, model: a.model, agentSessionId, launchedAt: started.now, sandboxed: started.sandboxed, ...(worktree ? { worktree } : {}) };
  const note = { msg: 'warming an agent for the next task', fields: { agent: c.profile.name, model: a.model, cwd } };
  await recordWith(x, a.session, note, { type: 'WARM', deadline: started.now + c.profile.promptTimeoutMs, agent: c.profile.name, warm: warmAgent });
}

export async function submit(x: Act, a: Extract<Action, { kind: 'submit-task' }>): Promise<void> {
  const { driver, c, io } = agentFor(x, a.session, a.agent);
  if (!io) return;
  const task = x.claimed.get(a.task) ?? a.task;
  const attempt = await Attempt.open(task);
  const checked = await attempt.check(taskRules(x.d));
  if (!checked.ok) return record(x, a.session, { type: 'FAILED', verdict: taskFault(checked.reason) });
  const message = messageFor(x.d, task, checked.task.body);
  // A warm agent's launch becomes the task's as it is given the task.
  const launched = a.warm ? { model: a.warm.model, agentSessionId: a.warm.agentSessionId || null, launchedAt: a.warm.launchedAt, session: a.session, sandboxed: a.warm.sandboxed ?? false } : undefined;
  // A warm agent waiting in a worktree made ahead: the task takes that worktree, on a branch of its own.
  const project = a.warm?.worktree && x.d.projects.find((p) => p.path === a.warm!.project);
  if (project && a.warm?.worktree) {
    const failed = await claimWarmWorkspace(x, attempt, project, a.warm.worktree);
    if (failed) return record(x, a.session, { type: 'FAILED', verdict: { outcome: 'failed', reason: failed.error } });
  }
  await attempt.submitting(launched);
  // A long task can take longer to paste than the prompt timeout leaves (bench/paste.mjs): its timer must
  // not end an attempt whose agent is taking the prompt. The submit's own waits are bounded.
  const waits = submitWaits(c.profile, message);
  const deadline = x.slots.view(a.session).deadline;
  if (deadline !== null && x.clock.now() + waits.budgetMs > deadline) {
    const fields = { bytes: waits.bytes, pieces: waits.pieces.length, budgetMs: waits.budgetMs };
    await recordWith(x, a.session, { msg: 'pasting a long task: the prompt timeout waits for it', fields }, { type: 'PASTING' });
  }
  const r = await driver.submit(c, io, message);
  if (!r.ok) return record(x, a.session, { type: 'FAILED', verdict: { outcome: 'failed', reason: r.reason } });
  const now = x.clock.now();
  const sidecar = await attempt.submitted(now);
  x.events?.submitted((now - sidecar.arrivedAt) / 1000);
  const timings = { promptMs: sidecar.launchedAt !== null ? now - sidecar.launchedAt : null, sinceArrivalMs: Math.round(now - sidecar.arrivedAt) };
  const fields = { enterPresses: r.presses, attempt: sidecar.attempts, ...timings, ...(a.warm ? { warmAgent: true } : {}) };
  await recordWith(x, a.session, { msg: 'submitted task', fields }, { type: 'SUBMITTED', deadline: now + (sidecar.timeoutMs ?? c.profile.taskTimeoutMs) });
}

export async function stop(x: Act, a: Extract<Action, { kind: 'stop-agent' }>): Promise<void> {
  const { driver, c, io } = agentFor(x, a.session, a.agent);
  const s = x.sessions.get(a.session);
  // The task's record, read once for the whole stop (a cancel waits for it: controls).
  const attempt = a.task ? await Attempt.open(a.task) : null;
  // What the agent's pane shows now, before an exit text changes it: the attempt's log (agentpool logs).
  const log = io && attempt ? await saveAttemptLog(x.d, io, attempt).catch(() => null) : null;
  // A submit cut short by a controller restart may have left the task's text in the agent's input box:
  // the exit text and its Enter would go out with it as one prompt. Such an agent is replaced, not asked;
  // so is one whose task was cancelled (it may be mid-turn, where an exit text would wait for the turn).
  // A slot that failed before any agent started (no agent in its view) has only its idle program to end.
  const started = x.slots.view(a.session).agent !== null;
  if (io && s && started && !s.process.dead && a.verdict.outcome !== 'interrupted' && a.verdict.outcome !== 'cancelled') {
    if (await driver.stop(c, io)) x.log.info({ session: a.session }, 'the agent exited when asked');
    else x.log.warn({ session: a.session }, 'the agent did not exit when asked; it is ended with its pane');
  }
  // Whatever is still there goes; the slot gets its idle program back, and a warm agent's worktree that no
  // task took goes with it.
  if (io) await io.backend.rest(io.ref).catch(() => {});
  if (!a.task) await closeWarmWorkspace(x, a.session, x.slots.view(a.session).warm?.worktree);
  if (attempt) {
    await attempt.identity(await driver.identity(c).catch(() => ({}))).catch(() => {});
    await settle(x, a, attempt, log).catch((err: Error) => x.log.error({ session: a.session, task: a.task, err: err.message }, 'could not move the task to its outcome; the next pass sees where it is'));
  }
  await record(x, a.session, { type: 'STOPPED', until: a.cooldownUntil });
}

function messageFor(d: DesiredState, task: string, body: string): string {
  return buildMessage(basename(task), body, d.tasks.instructionSuffix, d.tasks.emptyBodyText);
}

/** The seed's convention: a one-shot `<session>-resume-id.txt`, consumed by the next launch. */
async function takeResumeId(d: DesiredState, session: string): Promise<string | null> {
  if (!d.tasks.resumeIdDir) return null;
  const file = join(d.tasks.resumeIdDir, `${session}-resume-id.txt`);
  const id = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (!id) return null;
  await unlink(file).catch(() => {});
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id) ? id : null;
}

function taskFault(reason: string): Verdict {
  return { outcome: 'failed', reason: `the task cannot run: ${reason}`, taskFault: true };
}
