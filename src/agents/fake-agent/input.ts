/**
 * Terminal input parsing for the fake agent: a pure state machine, `feed(state, chunk) → { state, events }`.
 * It knows nothing of stdin; the caller decodes bytes to a string (a StringDecoder keeps UTF-8 characters
 * whole across chunks) and feeds whatever arrives, however it is split.
 *
 * Facts this relies on, measured with tmux 3.3a: `paste-buffer -p` wraps the text in ESC[200~ … ESC[201~
 * and still turns every LF into CR (`-r` keeps LF); a CR already in the text stays CR. tmux does not strip
 * an ESC[201~ that is part of the pasted text, so such text ends the paste early, as in a real terminal.
 */

export type Key = 'enter' | 'backspace' | 'interrupt' | 'escape' | 'up' | 'down' | 'left' | 'right';

export type InputEvent =
  /** Typed (not pasted) printable text, consecutive characters merged. */
  | { type: 'text'; text: string }
  /** One whole bracketed paste, with CR turned back into LF. */
  | { type: 'paste'; text: string }
  | { type: 'key'; key: Key };

export interface InputState {
  /** The text of a bracketed paste whose end marker has not arrived yet; null outside a paste. */
  readonly paste: string | null;
  /** The start of an escape sequence (or of the paste end marker) cut off at the end of the last chunk. */
  readonly pending: string;
}

export const initialInputState: InputState = { paste: null, pending: '' };

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

const ARROWS: Record<string, Key> = { A: 'up', B: 'down', C: 'right', D: 'left' };

export function feed(state: InputState, chunk: string): { state: InputState; events: InputEvent[] } {
  const s = state.pending + chunk;
  const events: InputEvent[] = [];
  let paste = state.paste;
  let typed = '';
  const emit = (ev: InputEvent) => {
    if (typed) events.push({ type: 'text', text: typed });
    typed = '';
    events.push(ev);
  };
  let i = 0;
  while (i < s.length) {
    if (paste !== null) {
      const end = s.indexOf(PASTE_END, i);
      if (end >= 0) {
        // Every CR inside a paste was an LF before tmux translated it (see the file comment).
        emit({ type: 'paste', text: (paste + s.slice(i, end)).replace(/\r/g, '\n') });
        paste = null;
        i = end + PASTE_END.length;
        continue;
      }
      const keep = partialSuffix(s, i, PASTE_END);
      return done({ paste: paste + s.slice(i, s.length - keep), pending: s.slice(s.length - keep) });
    }
    const c = s[i]!;
    if (c === '\x1b') {
      const seq = escapeSequence(s, i);
      if (seq === null) return done({ paste, pending: s.slice(i) });
      i += seq.length;
      if (seq === PASTE_START) paste = '';
      else if (seq === '\x1b\r') typed += '\n'; // Meta-Enter: a newline in the box, as in Claude
      else if (seq === '\x1b') emit({ type: 'key', key: 'escape' });
      else {
        const key = /^\x1b[[O][A-D]$/.test(seq) ? ARROWS[seq.slice(-1)] : undefined;
        if (key) emit({ type: 'key', key });
        // Anything else (function keys, a stray paste end, Alt+letter) means nothing to this agent.
      }
      continue;
    }
    i += 1;
    if (c === '\r') emit({ type: 'key', key: 'enter' });
    else if (c === '\x7f' || c === '\b') emit({ type: 'key', key: 'backspace' });
    else if (c === '\x03') emit({ type: 'key', key: 'interrupt' });
    else if (c === '\n' || c === '\t' || c >= ' ') typed += c; // C-j inserts a newline, as in Claude
  }
  return done({ paste, pending: '' });

  function done(next: InputState) {
    if (typed) events.push({ type: 'text', text: typed });
    return { state: next, events };
  }
}

/**
 * Called when no input followed a pending escape for a moment: a lone ESC was the Escape key, not the start
 * of a sequence (terminals cannot tell otherwise). Inside a paste nothing is decided by time.
 */
export function flush(state: InputState): { state: InputState; events: InputEvent[] } {
  if (state.paste !== null || !state.pending.startsWith('\x1b')) return { state, events: [] };
  const rest = feed(initialInputState, state.pending.slice(1));
  return { state: rest.state, events: [{ type: 'key', key: 'escape' }, ...rest.events] };
}

/**
 * The escape sequence starting at `s[i]` (which is ESC), or null when the chunk ends before it does.
 * An ESC followed by another ESC stands alone: it was the Escape key.
 */
function escapeSequence(s: string, i: number): string | null {
  const next = s[i + 1];
  if (next === undefined) return null;
  if (next === '\x1b') return '\x1b';
  if (next === 'O') return i + 2 < s.length ? s.slice(i, i + 3) : null; // SS3: application cursor keys
  if (next !== '[') return s.slice(i, i + 2);
  // CSI: parameter and intermediate bytes (0x20–0x3f), then one final byte (0x40–0x7e).
  let j = i + 2;
  while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x3f) j++;
  return j < s.length ? s.slice(i, j + 1) : null;
}

/** Length of the longest tail of `s` (from `from`) that is a proper prefix of `marker`. */
function partialSuffix(s: string, from: number, marker: string): number {
  for (let n = Math.min(marker.length - 1, s.length - from); n > 0; n--) {
    if (s.endsWith(marker.slice(0, n))) return n;
  }
  return 0;
}
