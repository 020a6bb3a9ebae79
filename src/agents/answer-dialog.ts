import type { DialogAnswer } from '../config/types.js';
import { menuKey, readMenu } from './menu.js';
import { findAnswer } from './screen.js';

/** The two things answering a dialog needs from the agent's pane. */
export interface PaneIO {
  capture(): Promise<string>;
  sendKeys(keys: readonly string[]): Promise<void>;
}

export interface AnswerResult {
  /** The dialog no longer shows. */
  gone: boolean;
  /** Every key sent, in order. */
  keys: string[];
  /** Why nothing (more) was sent, when the answer could not be given. */
  problem?: string;
}

export interface AnswerTiming {
  /** How long the dialog may take to go once answered. */
  settleMs: number;
  /** How long a cursor move may take to show. */
  stepMs: number;
  /** Polling interval. */
  pollMs?: number;
  /**
   * How long the dialog must stay unchanged before the first key: Claude Code 2.1.330 refuses keys that
   * come within ~150 ms of its trust question opening (and then asks again, cursor on "No, exit").
   */
  steadyMs?: number;
}

const DEFAULT_TIMING: AnswerTiming = { settleMs: 3_000, stepMs: 1_000, pollMs: 25, steadyMs: 300 };

/**
 * Gives `answer` to the dialog on screen. `keys` go as they are. `choose` walks the menu: one Up or
 * Down at a time, reading the screen after each key, and Enter only once the cursor is on the option
 * whose text was asked for; an option that is not on screen gets no key at all. Then waits until the
 * dialog is gone, so a later look sees what came after it and never answers one dialog twice.
 */
export async function answerDialog(pane: PaneIO, answer: DialogAnswer, timing: Partial<AnswerTiming> = {}): Promise<AnswerResult> {
  const t = { ...DEFAULT_TIMING, ...timing };
  const sent: string[] = [];
  const showing = (screen: string) => findAnswer([answer], screen) !== undefined;
  const send = async (keys: readonly string[]) => {
    await pane.sendKeys(keys);
    sent.push(...keys);
  };
  if (answer.choose === undefined) {
    await send(answer.keys ?? []);
    return { gone: await until(async () => !showing(await pane.capture()), t.settleMs, t.pollMs), keys: sent };
  }
  let screen = await steady(pane, t.steadyMs ?? 0, t.settleMs);
  // A menu of n options needs at most n - 1 moves and one Enter; a few more for a redraw in between.
  for (let step = 0; step < 32; step++) {
    if (!showing(screen)) return { gone: true, keys: sent };
    const menu = readMenu(screen);
    const key = menu ? menuKey(menu, answer.choose) : null;
    if (key === null) {
      const seen = menu ? menu.options.map((o) => `"${o}"`).join(', ') : 'no menu';
      return { gone: false, keys: sent, problem: `the option "${answer.choose}" is not on screen (options: ${seen})` };
    }
    await send([key]);
    if (key === 'Enter') return { gone: await until(async () => !showing(await pane.capture()), t.settleMs, t.pollMs), keys: sent };
    const before = screen;
    await until(async () => (screen = await pane.capture()) !== before, t.stepMs, t.pollMs);
  }
  return { gone: false, keys: sent, problem: `the cursor did not reach "${answer.choose}"` };
}

/** The screen once it has stayed the same for `ms` (or whatever it shows after `maxMs`). */
async function steady(pane: PaneIO, ms: number, maxMs: number): Promise<string> {
  let screen = await pane.capture();
  if (ms <= 0) return screen;
  const deadline = Date.now() + maxMs;
  for (;;) {
    await new Promise((r) => setTimeout(r, ms));
    const next = await pane.capture();
    if (next === screen || Date.now() >= deadline) return next;
    screen = next;
  }
}

async function until(probe: () => Promise<boolean>, ms: number, pollMs = 25): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
