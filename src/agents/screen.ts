import type { AgentProfile, DialogAnswer } from '../config/types.js';

export interface ScreenReading {
  /** The input prompt is showing and no dialog is. */
  ready: boolean;
  dialog: boolean;
  busy: boolean;
  /** The matching line of an error pattern. */
  error?: string;
  /** The matching line of a rate/usage-limit pattern. */
  rateLimit?: string;
  /** A dialog the profile answers by itself is showing: the first matching entry of its `answers`. */
  answer?: DialogAnswer;
}

const compiled = new Map<string, RegExp>();
function re(source: string): RegExp {
  let r = compiled.get(source);
  if (!r) compiled.set(source, (r = new RegExp(source, 'm')));
  return r;
}

function firstMatchLine(patterns: readonly string[], screen: string): string | undefined {
  for (const p of patterns) {
    const m = re(p).exec(screen);
    if (m) {
      // The line where the matched text starts: a leading \s* can begin the match on a blank line above.
      const lead = m[0].length - m[0].trimStart().length;
      const at = m.index + (lead < m[0].length ? lead : 0);
      const start = screen.lastIndexOf('\n', at - 1) + 1;
      const end = screen.indexOf('\n', at);
      return screen.slice(start, end === -1 ? undefined : end).trim();
    }
  }
  return undefined;
}

/** Pure: the first of `answers` whose pattern matches the screen. */
export function findAnswer(answers: readonly DialogAnswer[], text: string): DialogAnswer | undefined {
  return answers.find((a) => re(a.match).test(text));
}

/**
 * Pure: a captured screen → what it shows, by the profile's patterns. A dialog is never "ready"; a screen
 * that one of `answers` matches is a dialog too, whatever the dialog patterns say.
 */
export function readScreen(screen: AgentProfile['screen'], text: string, answers: readonly DialogAnswer[] = []): ScreenReading {
  const answer = findAnswer(answers, text);
  const dialog = answer !== undefined || screen.dialog.some((p) => re(p).test(text));
  const busy = screen.busy.some((p) => re(p).test(text));
  const ready = !dialog && screen.ready.some((p) => re(p).test(text));
  const error = firstMatchLine(screen.error, text);
  const rateLimit = firstMatchLine(screen.rateLimit, text);
  return { ready, dialog, busy, ...(error ? { error } : {}), ...(rateLimit ? { rateLimit } : {}), ...(answer ? { answer } : {}) };
}
