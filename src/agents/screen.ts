import type { AgentProfile } from '../config/types.js';

export interface ScreenReading {
  /** The input prompt is showing and no dialog is. */
  ready: boolean;
  dialog: boolean;
  busy: boolean;
  /** The matching line of an error pattern. */
  error?: string;
  /** The matching line of a rate/usage-limit pattern. */
  rateLimit?: string;
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
      const start = screen.lastIndexOf('\n', m.index) + 1;
      const end = screen.indexOf('\n', m.index);
      return screen.slice(start, end === -1 ? undefined : end).trim();
    }
  }
  return undefined;
}

/** Pure: a captured screen → what it shows, by the profile's patterns. A dialog is never "ready". */
export function readScreen(screen: AgentProfile['screen'], text: string): ScreenReading {
  const dialog = screen.dialog.some((p) => re(p).test(text));
  const busy = screen.busy.some((p) => re(p).test(text));
  const ready = !dialog && screen.ready.some((p) => re(p).test(text));
  const error = firstMatchLine(screen.error, text);
  const rateLimit = firstMatchLine(screen.rateLimit, text);
  return { ready, dialog, busy, ...(error ? { error } : {}), ...(rateLimit ? { rateLimit } : {}) };
}
