import { randomUUID } from 'node:crypto';
import { readFile, rename, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { EMPTY_SUMMARY } from '../agents/events.js';
import { buildArgv, buildMessage, deliversInArgv, hookSettings, readHookSummary, sessionFiles } from '../agents/launch.js';
import { privateDir, writePrivateFile } from '../agents/private-files.js';
import { answerDialog as answerWith } from '../agents/answer-dialog.js';
import { splitForPaste } from '../agents/paste.js';
import { claudeConfigFile, recordFolderTrust } from '../agents/claude-trust.js';
import { findAnswer, readScreen } from '../agents/screen.js';
import type { AgentProfile, DesiredState, DialogAnswer } from '../config/types.js';
import type { Clock } from '../machines/clock.js';
import type { Slots } from '../machines/slots.js';
import { claimTask, finishTask, readTask, rejectTask, requeueTask, updateSidecar } from '../tasks/store.js';
import { OPT, type TmuxClient } from '../tmux/client.js';
import type { Action } from './actions.js';
import { createdKey } from './observe.js';
import { slotStateOptions } from './slot-tags.js';
import type { ObservedSession } from './snapshot.js';

/** What an idle pool session runs: nothing that reads input, so stray keys do no harm. */
export const IDLE_COMMAND = ['sh', '-c', 'echo "agentpool: idle pool session, waiting for a task"; exec tail -f /dev/null'];

export interface ExecDeps {
  d: DesiredState;
  tmux: TmuxClient;
  slots: Slots;
  clock: Clock;
  log: Logger;
  /** The sessions as observed by the pass that planned these actions. */
  sessions: ReadonlyMap<string, ObservedSession>;
  /** The sessions this controller created (createdKey), which are ours whatever their tags say. */
  created: Set<string>;
}

/**
 * Performs one session's actions in order (or one task-only action). Results go back to the slot machine
 * as events. Expected failures (a task taken by someone else, an agent that will not start) become events
 * too; only a broken environment throws.
 */
export async function executeGroup(deps: ExecDeps, actions: readonly Action[]): Promise<void> {
  // A session created by this group is known to its later actions (a new slot takes a task at once).
  const x = actions.some((a) => a.kind === 'create-session') ? { ...deps, sessions: new Map(deps.sessions) } : deps;
  for (const a of actions) {
    x.log.debug({ action: a.kind, ...('session' in a ? { session: a.session } : {}) }, 'action');
    await perform(x, a);
  }
}

async function perform(x: ExecDeps, a: Action): Promise<void> {
  const { d, tmux, slots, clock, log } = x;
  switch (a.kind) {
    case 'create-session': {
      const { sessionId, paneId, serverPid } = await tmux.newSession({
        name: a.session,
        cwd: homedir(),
        command: IDLE_COMMAND,
        options: { [OPT.pool]: d.pool.prefix, [OPT.slot]: String(a.slot), [OPT.state]: 'idle' },
      });
      x.created.add(createdKey(serverPid, sessionId));
      (x.sessions as Map<string, ObservedSession>).set(a.session, {
        name: a.session, sessionId, paneId, panePid: 0, paneDead: false, paneDeadStatus: null, paneDeadSignal: null, owned: true,
        tags: { pool: d.pool.prefix, slot: String(a.slot) }, saved: { state: 'idle', task: '', until: null },
      });
      log.info({ session: a.session, sessionId }, 'created pool session');
      slots.send(a.session, { type: 'CREATED' });
      return;
    }
    case 'kill-session':
      await tmux.killSession(a.sessionId);
      log.info({ session: a.session, reason: a.reason }, 'removed pool session');
      slots.remove(a.session);
      return;
    case 'retag-session':
      await tmux.setOptions(a.sessionId, { [OPT.pool]: a.pool, [OPT.slot]: a.slot });
      log.warn({ session: a.session, sessionId: a.sessionId, found: a.found }, 'repaired the ownership tags of a pool session');
      return;
    case 'record-slot-state':
      await tmux.setOptions(a.sessionId, slotStateOptions(a.tags));
      log.debug({ session: a.session, state: a.tags.state, was: a.found }, 'recorded the slot state on its session');
      return;
    case 'drain-session':
      slots.send(a.session, { type: 'DRAIN' });
      log.info({ session: a.session }, 'draining: the session goes once its task is finished');
      return;
    case 'reject-task': {
      const dest = await rejectTask(a.task, clock.now()).catch(ignoreGone);
      if (dest) log.warn({ task: a.task.path, movedTo: dest, reason: a.task.reason }, 'rejected a task that cannot run');
      return;
    }
    case 'requeue-task':
      await requeueTask(a.path, { reason: a.reason, outcome: 'requeued', notBefore: a.notBefore, refundAttempt: a.refundAttempt, now: clock.now() });
      log.warn({ task: a.path, reason: a.reason }, 'task back in the queue');
      return;
    case 'claim-task': {
      try {
        const claimed = await claimTask(a.task, a.session, clock.now());
        log.info({ session: a.session, task: claimed.path, attempt: claimed.sidecar.attempts }, 'claimed task');
        slots.send(a.session, { type: 'CLAIMED', task: claimed.path });
      } catch (err) {
        log.info({ session: a.session, task: a.task.path, err: (err as Error).message }, 'task gone before it could be claimed');
        slots.send(a.session, { type: 'CLAIM_FAILED' });
      }
      return;
    }
    case 'launch-agent':
      return launch(x, a);
    case 'submit-task':
      return submit(x, a);
    case 'answer-dialog': {
      const s = x.sessions.get(a.session);
      if (s && !s.paneDead) await answerDialog(x, s, a.answer);
      return;
    }
    case 'stop-agent':
      return stop(x, a);
  }
}

async function launch(x: ExecDeps, a: Extract<Action, { kind: 'launch-agent' }>): Promise<void> {
  const { d, tmux, slots, clock, log } = x;
  const task = slots.view(a.session).task;
  const s = x.sessions.get(a.session);
  if (!task) return;
  const fail = (reason: string) => slots.send(a.session, { type: 'FAILED', verdict: { outcome: 'failed', reason } });
  if (!s) return fail('the pool session disappeared before the agent could start');
  const profile = d.agents[a.agent]!;
  try {
    await stat(a.project);
  } catch {
    return fail(`the project folder ${a.project} is missing: restore it or remove the project from the config`);
  }
  const trusting = d.projects.find((p) => p.path === a.project)?.trust && profile.folderTrust === 'claude-json';
  if (trusting) {
    const file = claudeConfigFile({ ...process.env, ...profile.env });
    try {
      if (await recordFolderTrust(file, a.project)) log.info({ session: a.session, project: a.project, file }, 'recorded folder trust for the project (projects[].trust)');
    } catch (err) {
      return fail(`cannot record folder trust in ${file}: ${(err as Error).message}`);
    }
  }
  const parsed = await readTask(task).catch((err: Error) => err);
  if (parsed instanceof Error) return fail(`the task cannot be read: ${parsed.message}`);
  const resumeId = parsed.meta.resume ?? (await takeResumeId(d, a.session));
  const agentSessionId = resumeId ?? (profile.newSessionArgs.length ? randomUUID() : '');
  const files = sessionFiles(d.controller.stateDir, a.session);
  try {
    await privateDir(files.dir);
    // A fresh events file per launch: everything in it is about this task.
    await rename(files.events, `${files.events}.prev`).catch(() => {});
    await writePrivateFile(files.events, '');
    // Written with hooks off too: a command that passes {settings} needs the file to exist.
    await writePrivateFile(files.settings, JSON.stringify(profile.hooks ? hookSettings(files.events) : {}, null, 2));
  } catch (err) {
    return fail(`cannot prepare the session's private files: ${(err as Error).message}`);
  }
  // A profile that takes the task in its argv gets it at launch: starting the process is the delivery.
  const inArgv = deliversInArgv(profile.command);
  const message = inArgv ? messageFor(d, task, parsed.body) : undefined;
  if (message !== undefined) await writePrivateFile(files.prompt, message);
  const argv = buildArgv(profile, {
    model: a.model, settings: files.settings, session: a.session, eventsFile: files.events,
    project: a.project, agentSessionId, resume: resumeId !== null,
    ...(message !== undefined ? { prompt: message, promptFile: files.prompt } : {}),
  });
  const now = clock.now();
  await updateSidecar(task, {
    state: inArgv ? 'submitted' : 'launched', model: a.model, agentSessionId: agentSessionId || null, launchedAt: now, session: a.session,
    ...(inArgv ? { submittedAt: now } : {}),
  });
  try {
    await tmux.respawnPane(s.paneId, {
      cwd: a.project,
      command: argv,
      env: { ...profile.env, AGENTPOOL_SESSION: a.session, AGENTPOOL_TASK: task },
    });
  } catch (err) {
    return fail(`could not start the agent (${argv[0]}): ${(err as Error).message}`);
  }
  const shownArgv = argv.map((w) => (w.length > 200 ? `${w.slice(0, 200)}…` : w));
  if (inArgv) {
    const deadline = now + profile.taskTimeoutMs;
    await tmux.setOptions(s.sessionId, { [OPT.state]: 'working', [OPT.task]: task, [OPT.until]: String(deadline) });
    log.info({ session: a.session, task, model: a.model, argv: shownArgv }, 'launched agent with the task in its argv');
    slots.send(a.session, { type: 'LAUNCHED', deadline });
    slots.send(a.session, { type: 'SUBMITTED', deadline });
    return;
  }
  const deadline = now + profile.promptTimeoutMs;
  await tmux.setOptions(s.sessionId, { [OPT.state]: 'awaitingPrompt', [OPT.task]: task, [OPT.until]: String(deadline) });
  log.info({ session: a.session, task, model: a.model, argv: shownArgv }, 'launched agent');
  slots.send(a.session, { type: 'LAUNCHED', deadline });
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

async function submit(x: ExecDeps, a: Extract<Action, { kind: 'submit-task' }>): Promise<void> {
  const { d, tmux, slots, clock, log } = x;
  const s = x.sessions.get(a.session)!;
  const profile = d.agents[d.pool.agent]!;
  const message = messageFor(d, a.task, (await readTask(a.task)).body);
  const verified = async () => {
    if (profile.hooks) return (await readHookSummary(d.controller.stateDir, a.session)).prompts.length > 0;
    return readScreen(profile.screen, await tmux.capturePane(s.paneId)).busy;
  };
  // Written before the paste: after a crash, `submitting` without the agent's word means "not proven".
  await updateSidecar(a.task, { state: 'submitting' });
  const before = await tmux.capturePane(s.paneId).catch(() => null);
  for (const piece of splitForPaste(message, profile.pasteChunk)) await tmux.pasteText(s.paneId, piece);
  // An Enter that arrives while the agent is still taking in the paste can be dropped (Claude Code 2.1.197
  // in the first ~100 ms after its prompt appears; the paste took 50-150 ms to show), which costs a
  // submitVerify wait and a second Enter. So the Enter waits, briefly, until the paste shows.
  if (before !== null) await poll(async () => (await tmux.capturePane(s.paneId)) !== before, PASTE_SHOWS_MS);
  for (let press = 1; press <= 1 + profile.submitRetries; press++) {
    await tmux.sendKeys(s.paneId, ['Enter']);
    if (await poll(verified, profile.submitVerifyMs)) {
      const now = clock.now();
      const deadline = now + profile.taskTimeoutMs;
      await updateSidecar(a.task, { state: 'submitted', submittedAt: now });
      await tmux.setOptions(s.sessionId, { [OPT.state]: 'working', [OPT.until]: String(deadline) });
      log.info({ session: a.session, task: a.task, enterPresses: press }, 'submitted task');
      slots.send(a.session, { type: 'SUBMITTED', deadline });
      return;
    }
    log.warn({ session: a.session, task: a.task, press }, 'the agent has not taken the prompt yet; pressing Enter again');
  }
  slots.send(a.session, {
    type: 'FAILED',
    verdict: { outcome: 'failed', reason: `the agent did not take the prompt after ${1 + profile.submitRetries} Enter presses (no ${profile.hooks ? 'UserPromptSubmit hook event' : 'busy signal on screen'})` },
  });
}

async function stop(x: ExecDeps, a: Extract<Action, { kind: 'stop-agent' }>): Promise<void> {
  const { d, tmux, slots, log } = x;
  const s = x.sessions.get(a.session);
  const profile = d.agents[d.pool.agent]!;
  // A submit cut short by a controller restart may have left the task's text in the agent's input box:
  // the exit text and its Enter would go out with it as one prompt. Such an agent is replaced, not asked.
  if (s && !s.paneDead && a.verdict.outcome !== 'interrupted') {
    // A menu the agent opens by itself (Claude's after a usage limit, which can show up just after the
    // hook that ended the turn) swallows the exit text: answer it, and ask once more if it came late.
    const exited = async () => (await tmux.listPanes()).some((p) => p.paneId === s.paneId && p.paneDead);
    let gone = false;
    for (let round = 0; round < 2 && !gone; round++) {
      const answered = await answerShowingDialogs(x, s, profile);
      if (round > 0 && !answered) break;
      if (profile.exit.text) await tmux.pasteText(s.paneId, profile.exit.text).catch(() => {});
      if (profile.exit.keys.length) await tmux.sendKeys(s.paneId, profile.exit.keys).catch(() => {});
      gone = await poll(exited, profile.exit.timeoutMs);
    }
    if (gone) log.info({ session: a.session }, 'the agent exited when asked');
    else log.warn({ session: a.session }, 'the agent did not exit when asked; it is ended with its pane');
  }
  // Whatever is still there goes; the slot gets its idle command back.
  if (s) await tmux.respawnPane(s.paneId, { cwd: homedir(), command: IDLE_COMMAND }).catch(() => {});
  if (a.task) await recordAgentSession(x, a.session, a.task);
  if (a.task) await settleTask(x, a).catch((err: Error) => log.error({ session: a.session, task: a.task, err: err.message }, 'could not move the task to its outcome; the next pass sees where it is'));
  if (s) await tmux.setOptions(s.sessionId, { [OPT.state]: 'cooldown', [OPT.task]: '', [OPT.until]: String(a.cooldownUntil) }).catch(() => {});
  slots.send(a.session, { type: 'STOPPED', until: a.cooldownUntil });
}

/** How long a paste may take to show on screen before Enter is pressed anyway. */
const PASTE_SHOWS_MS = 1_000;

/**
 * Answers a dialog (src/agents/answer-dialog.ts: by option text, reading the screen after each key) and
 * waits until it is gone. A dialog that stays is looked at again by a later pass, up to the prompt timeout.
 */
async function answerDialog(x: ExecDeps, s: ObservedSession, answer: DialogAnswer): Promise<boolean> {
  const pane = { capture: () => x.tmux.capturePane(s.paneId), sendKeys: (k: readonly string[]) => x.tmux.sendKeys(s.paneId, k) };
  const r = await answerWith(pane, answer);
  const fields = { session: s.name, dialog: answer.name, ...(answer.choose !== undefined ? { choose: answer.choose } : {}), keys: r.keys, gone: r.gone };
  if (r.problem) x.log.warn({ ...fields, problem: r.problem }, 'could not answer a dialog');
  else x.log.info(fields, r.gone ? 'answered a dialog' : 'answered a dialog, but it is still showing');
  return r.gone;
}

/**
 * Answers the dialogs the profile knows while one shows (a few at most), before agentpool types. Says
 * whether it answered any.
 */
async function answerShowingDialogs(x: ExecDeps, s: ObservedSession, profile: AgentProfile): Promise<boolean> {
  let answered = false;
  for (let i = 0; i < 3 && profile.answers.length > 0; i++) {
    const answer = findAnswer(profile.answers, await x.tmux.capturePane(s.paneId).catch(() => ''));
    if (!answer) break;
    answered = true;
    if (!(await answerDialog(x, s, answer))) break;
  }
  return answered;
}

/** What the agent's SessionStart hook said (its session id and transcript) goes into the task's record. */
async function recordAgentSession(x: ExecDeps, session: string, task: string): Promise<void> {
  const hooks = await readHookSummary(x.d.controller.stateDir, session).catch(() => EMPTY_SUMMARY);
  if (!hooks.started) return;
  await updateSidecar(task, {
    ...(hooks.agentSessionId ? { agentSessionId: hooks.agentSessionId } : {}),
    ...(hooks.transcriptPath ? { transcriptPath: hooks.transcriptPath } : {}),
  }).catch(() => {});
}

async function settleTask(x: ExecDeps, a: Extract<Action, { kind: 'stop-agent' }>): Promise<void> {
  const { log, clock } = x;
  const task = a.task!;
  const now = clock.now();
  const summary = a.verdict.lastMessage;
  if (a.disposition === 'done') {
    const dest = await finishTask(task, { outcome: 'done', reason: a.verdict.reason, now, ...(summary !== undefined ? { lastMessage: summary } : {}) });
    log.info({ session: a.session, task: dest }, 'task done');
  } else if (a.disposition === 'fail') {
    const dest = await finishTask(task, { outcome: 'failed', reason: a.verdict.reason, now });
    log.warn({ session: a.session, task: dest, reason: a.verdict.reason }, 'task failed');
  } else {
    await requeueTask(task, { reason: a.verdict.reason, outcome: a.verdict.outcome, notBefore: a.notBefore, refundAttempt: a.refundAttempt, now });
    log.warn({ session: a.session, task, reason: a.verdict.reason, retryAt: new Date(a.notBefore).toISOString() }, 'task will be retried');
  }
}

/** Polls `probe` until true or `ms` pass. Waiting on the outside world, with a deadline. */
async function poll(probe: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

function ignoreGone(err: NodeJS.ErrnoException): null {
  if (err.code === 'ENOENT') return null;
  throw err;
}
