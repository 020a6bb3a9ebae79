/**
 * The input box's content, as Claude Code keeps it: typed text plus pastes. A multi-line paste shows as a
 * `[Pasted text #N +M lines]` placeholder but is submitted whole. Pure functions over plain data.
 */

export type Segment = { kind: 'typed'; text: string } | { kind: 'paste'; id: number; text: string };

export function appendText(box: readonly Segment[], text: string): Segment[] {
  const last = box.at(-1);
  if (last?.kind === 'typed') return [...box.slice(0, -1), { kind: 'typed', text: last.text + text }];
  return [...box, { kind: 'typed', text }];
}

/** A single-line paste reads as if typed; only multi-line pastes get a placeholder (and use up an id). */
export function appendPaste(box: readonly Segment[], id: number, text: string): Segment[] {
  return text.includes('\n') ? [...box, { kind: 'paste', id, text }] : appendText(box, text);
}

/** Deletes the last character typed, or a whole paste placeholder (half a placeholder would mean nothing). */
export function backspace(box: readonly Segment[]): Segment[] {
  const last = box.at(-1);
  if (last?.kind !== 'typed') return box.slice(0, -1);
  const text = Array.from(last.text).slice(0, -1).join('');
  return text ? [...box.slice(0, -1), { kind: 'typed', text }] : box.slice(0, -1);
}

/** The prompt as submitted: every paste expanded, byte for byte. */
export function expand(box: readonly Segment[]): string {
  return box.map((s) => s.text).join('');
}

/** What the box shows. Claude counts a paste's newlines: "a\nb\nc" is "+2 lines". */
export function display(box: readonly Segment[]): string {
  return box
    .map((s) => (s.kind === 'typed' ? s.text : `[Pasted text #${s.id} +${s.text.split('\n').length - 1} lines]`))
    .join('');
}
