import { answerDialog as answerWith } from '../agents/answer-dialog.js';
import { findAnswer, readScreen } from '../agents/screen.js';
import type { DialogAnswer } from '../config/types.js';
import type { AgentIO, DriverContext } from './agent-driver.js';
import { poll } from '../util/poll.js';
import { PASTE_SHOWS_MS, submitWaits } from './submit-waits.js';

/**
 * The keyboard protocol every driver of an interactive CLI shares: paste the task, press Enter until the
 * agent proves it took it, answer dialogs, ask it to exit. Its retries are the driver's own protocol, not
 * planned actions, on purpose: each step depends on what the screen showed a few milliseconds earlier,
 * which no plan made from a snapshot can know. A dry run shows the step (`submit-task`, `stop-agent`); the
 * log shows every press and answer.
 */

/**
 * Pastes `message` (in pieces within the profile's `pasteChunk`), waits until it shows (and, with the
 * profile's `enterDelayMs` or a long message, until the screen holds still that long), then presses Enter up
 * to 1 + submitRetries times, waiting after each for `taken` to say the agent has it. Every wait grows with
 * the message's size (submit-waits.ts). An agent whose screen shows it working has the prompt, proof or not:
 * it is never pressed again nor failed as one that did not take it.
 */
export async function pasteAndSubmit(
  c: DriverContext, io: AgentIO, message: string, taken: () => Promise<boolean>, proofName: string,
): Promise<{ ok: true; presses: number } | { ok: false; reason: string }> {
  const { profile } = c;
  const waits = submitWaits(profile, message);
  await pasteThenWait(io, waits.pieces, waits.settleMs, waits.showMs);
  const working = async () => readScreen(profile.screen, await io.backend.readScreen(io.ref)).busy;
  for (let press = 1; press <= 1 + profile.submitRetries; press++) {
    await io.backend.sendKeys(io.ref, ['Enter']);
    if (await poll(taken, waits.verifyMs)) return { ok: true, presses: press };
    // Late proof is still proof; a screen that says the agent works means it took the prompt.
    if (await taken().catch(() => false)) return { ok: true, presses: press };
    if (await working().catch(() => false)) {
      c.log.info({ session: c.session, press, bytes: waits.bytes }, `the agent shows it is working but gave no ${proofName} yet; taken as submitted`);
      return { ok: true, presses: press };
    }
    c.log.warn({ session: c.session, press, bytes: waits.bytes, waitedMs: waits.verifyMs }, 'the agent has not taken the prompt yet; pressing Enter again');
  }
  return { ok: false, reason: `the agent did not take the prompt after ${1 + profile.submitRetries} Enter presses (no ${proofName})` };
}

/**
 * Pastes `pieces` and waits, for at most `showMs`, until the screen shows them. An Enter that arrives while
 * the agent is still taking in a paste can be dropped (Claude Code 2.1.197 in the first ~100 ms after its
 * prompt appears, the paste taking 50-150 ms to show; 2.1.330 dropped the Enter of an `/exit` sent 0.1 ms
 * after its paste over the control-mode transport), which costs a wait and a second Enter, or an agent killed
 * instead of asked. So the Enter waits until the paste shows: for a long one, until the screen holds still,
 * since the agent reads it seconds after tmux took it (bench/paste.mjs).
 */
async function pasteThenWait(io: AgentIO, pieces: readonly string[], settleMs = 0, showMs = PASTE_SHOWS_MS): Promise<void> {
  const before = await io.backend.readScreen(io.ref).catch(() => null);
  await io.backend.deliver(io.ref, pieces);
  if (before === null) return;
  let last = before;
  // settleMs: the screen must also stay the same over that gap (the CLI caught up with the text).
  await poll(async () => {
    const now = await io.backend.readScreen(io.ref);
    const ok = now !== before && (settleMs === 0 || now === last);
    last = now;
    return ok;
  }, showMs, settleMs || PASTE_POLL_MS);
}

/** The gap over which an exit command's screen must not change (its command menu caught up). */
const EXIT_SETTLE_MS = 25;

/** Screens are read this often while a paste is expected to show: ~0.1 ms each over control mode. */
const PASTE_POLL_MS = 2;

/**
 * Answers a dialog (src/agents/answer-dialog.ts: by option text, reading the screen after each key) and
 * waits until it is gone. A dialog that stays is looked at again by a later pass, up to the prompt timeout.
 */
export async function answerDialog(c: DriverContext, io: AgentIO, answer: DialogAnswer): Promise<boolean> {
  const pane = { capture: () => io.backend.readScreen(io.ref), sendKeys: (k: readonly string[]) => io.backend.sendKeys(io.ref, k) };
  const r = await answerWith(pane, answer);
  const fields = { session: c.session, dialog: answer.name, ...(answer.choose !== undefined ? { choose: answer.choose } : {}), keys: r.keys, gone: r.gone };
  if (r.problem) c.log.warn({ ...fields, problem: r.problem }, 'could not answer a dialog');
  else c.log.info(fields, r.gone ? 'answered a dialog' : 'answered a dialog, but it is still showing');
  return r.gone;
}

/**
 * Asks the agent to exit with the profile's exit text and keys. A menu the agent opens by itself
 * (Claude's after a usage limit, which can show up just after the hook that ended the turn) swallows the
 * exit text: it is answered, and the agent asked once more if it came late. True when the agent exited.
 */
export async function askToExit(c: DriverContext, io: AgentIO): Promise<boolean> {
  const { profile } = c;
  const exited = async () => (await io.backend.list()).some((s) => s.ref === io.ref && s.process.dead);
  // A turn's end hook can come while the agent is still busy with it (Gemini CLI 0.61 runs its AfterAgent
  // hooks under a spinner, and drops what is typed meanwhile): the exit text waits, a little, for that.
  const idle = async () => !readScreen(profile.screen, await io.backend.readScreen(io.ref).catch(() => '')).busy;
  await poll(idle, BUSY_GRACE_MS);
  let late = false;
  for (let round = 0; round < 3; round++) {
    const answered = await answerShowingDialogs(c, io);
    if (round > 0 && !answered && !late) return false;
    // Settled: an exit command opens the CLI's command menu, which filters a frame after the text shows; an
    // Enter before that runs the menu's first entry (seen: Gemini CLI 0.61 ran /clear).
    if (profile.exit.text) await pasteThenWait(io, [profile.exit.text], EXIT_SETTLE_MS).catch(() => {});
    // A dialog that opened as the text went in took it (seen: Claude 2.1.330's usage-limit menu, 0.1 ms
    // after the hook, over control mode): Enter would choose its default. It is answered, and asked again.
    late = profile.answers.length > 0 && findAnswer(profile.answers, await io.backend.readScreen(io.ref).catch(() => '')) !== undefined;
    if (late) continue;
    if (profile.exit.keys.length) await io.backend.sendKeys(io.ref, profile.exit.keys).catch(() => {});
    if (await poll(exited, profile.exit.timeoutMs)) return true;
  }
  return false;
}

/** How long an agent asked to exit may stay busy before the exit text is typed anyway. */
const BUSY_GRACE_MS = 3_000;

/** Answers the dialogs the profile knows while one shows (a few at most). Says whether it answered any. */
async function answerShowingDialogs(c: DriverContext, io: AgentIO): Promise<boolean> {
  let answered = false;
  for (let i = 0; i < 3 && c.profile.answers.length > 0; i++) {
    const answer = findAnswer(c.profile.answers, await io.backend.readScreen(io.ref).catch(() => ''));
    if (!answer) break;
    answered = true;
    if (!(await answerDialog(c, io, answer))) break;
  }
  return answered;
}
