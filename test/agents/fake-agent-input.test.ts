import { describe, expect, it } from 'vitest';
import { feed, flush, initialInputState, type InputEvent, type InputState } from '../../src/agents/fake-agent/input.js';

/** Feeds the chunks in order and returns every event plus the final state. */
function feedAll(...chunks: string[]): { events: InputEvent[]; state: InputState } {
  let state = initialInputState;
  const events: InputEvent[] = [];
  for (const c of chunks) {
    const r = feed(state, c);
    state = r.state;
    events.push(...r.events);
  }
  return { events, state };
}

const key = (k: string) => ({ type: 'key', key: k });

describe('fake agent input parser', () => {
  it('merges typed characters into one text event and sees CR as Enter', () => {
    expect(feedAll('héllo ✓\r').events).toEqual([{ type: 'text', text: 'héllo ✓' }, key('enter')]);
  });

  it('turns a bracketed paste into one paste event, CR back into LF, without an Enter', () => {
    // What tmux 3.3a sends for `paste-buffer -p` of "a\nb\tc $(x) `y`;\n".
    const { events, state } = feedAll('\x1b[200~a\rb\tc $(x) `y`;\r\x1b[201~');
    expect(events).toEqual([{ type: 'paste', text: 'a\nb\tc $(x) `y`;\n' }]);
    expect(state).toEqual(initialInputState);
  });

  it('finds paste markers split across chunks at every position', () => {
    const bytes = 'x\x1b[200~one\rtwo\x1b[201~\r';
    for (let cut = 0; cut <= bytes.length; cut++) {
      for (let cut2 = cut; cut2 <= bytes.length; cut2++) {
        const { events } = feedAll(bytes.slice(0, cut), bytes.slice(cut, cut2), bytes.slice(cut2));
        expect(events.filter((e) => e.type !== 'text' || e.text !== '')).toEqual([
          { type: 'text', text: 'x' },
          { type: 'paste', text: 'one\ntwo' },
          key('enter'),
        ]);
      }
    }
  });

  it('keeps a paste open across chunks and treats control bytes inside it as text', () => {
    const first = feedAll('\x1b[200~a\x03b\x7f');
    expect(first.events).toEqual([]);
    expect(first.state.paste).toBe('a\x03b\x7f');
    const r = feed(first.state, 'c\x1b[201~');
    expect(r.events).toEqual([{ type: 'paste', text: 'a\x03b\x7fc' }]);
  });

  it('reads backspace, C-c and arrow keys (normal and application mode)', () => {
    expect(feedAll('ab\x7f\x08\x03\x1b[A\x1b[B\x1bOC\x1b[D').events).toEqual([
      { type: 'text', text: 'ab' },
      key('backspace'),
      key('backspace'),
      key('interrupt'),
      key('up'),
      key('down'),
      key('right'),
      key('left'),
    ]);
  });

  it('holds a lone ESC until flushed, then reports Escape', () => {
    const r = feedAll('\x1b');
    expect(r.events).toEqual([]);
    expect(r.state.pending).toBe('\x1b');
    expect(flush(r.state)).toEqual({ state: initialInputState, events: [key('escape')] });
  });

  it('completes an arrow key split after its ESC instead of reporting Escape', () => {
    expect(feedAll('\x1b', '[', 'A').events).toEqual([key('up')]);
  });

  it('reads ESC ESC as Escape followed by whatever the second ESC starts', () => {
    expect(feedAll('\x1b\x1b[B').events).toEqual([key('escape'), key('down')]);
  });

  it('ignores other escape sequences and control characters', () => {
    expect(feedAll('\x1b[1~\x1b[3;5~\x1b[201~\x00\x1ba\x1b[Zok').events).toEqual([{ type: 'text', text: 'ok' }]);
  });

  it('inserts a newline for Meta-Enter and C-j rather than submitting', () => {
    expect(feedAll('a\x1b\rb\nc').events).toEqual([{ type: 'text', text: 'a\nb\nc' }]);
  });

  it('does not flush while inside a paste', () => {
    const r = feedAll('\x1b[200~abc\x1b[20');
    expect(r.state).toEqual({ paste: 'abc', pending: '\x1b[20' });
    expect(flush(r.state).events).toEqual([]);
  });
});
