/** How much one bracketed paste may hold before the agent collapses it (and changes the text it submits). */
export interface PasteLimit {
  /** Characters (code points) per paste. */
  chars: number;
  /** Line breaks per paste. */
  newlines: number;
}

/**
 * Pure: `text` cut into pieces that each stay under `limit`, whose concatenation is `text` exactly. Cuts
 * fall between code points, never inside a surrogate pair. Claude Code 2.1.330 collapses a paste of more
 * than 800 characters or more than 2 line breaks into `[Pasted text #N]` and submits it wrapped in
 * `<pasted_content id="…">` tags (58 characters more, and framed to the model as pasted material); pieces
 * within both limits arrive as they were typed.
 */
export function splitForPaste(text: string, limit: PasteLimit | null): string[] {
  if (limit === null || text === '') return text === '' ? [] : [text];
  const out: string[] = [];
  let piece = '';
  let chars = 0;
  let newlines = 0;
  for (const ch of text) {
    const nl = ch === '\n' ? 1 : 0;
    if (chars + 1 > limit.chars || newlines + nl > limit.newlines) {
      out.push(piece);
      piece = '';
      chars = 0;
      newlines = 0;
    }
    piece += ch;
    chars++;
    newlines += nl;
  }
  if (piece) out.push(piece);
  return out;
}
