/**
 * Draws the fake agent's whole screen from plain data, laid out like Claude Code's so the same screen
 * patterns apply: the input box is a `❯ ` line at column 0 right under a rule of `─`, and a busy agent says
 * `esc to interrupt` in the status line. Pure: the caller writes the result after clearing the screen.
 */

export type Phase = 'starting' | 'dialog' | 'idle' | 'busy';

export interface HistoryEntry {
  /** null for lines that belong to no prompt, e.g. a failed SessionStart hook. */
  prompt: string | null;
  /** Lines printed for this turn so far, e.g. `● Done: …`. */
  lines: string[];
}

export interface View {
  phase: Phase;
  model: string;
  cwd: string;
  columns: number;
  history: readonly HistoryEntry[];
  /** The input box's displayed text (see prompt-box.ts). */
  input: string;
  /** 0 or 1: the highlighted option of the first-run dialog. */
  dialogCursor: number;
}

const HISTORY_SHOWN = 8;
export const DIALOG_OPTIONS = ['Yes, continue', 'No, exit'] as const;

export function render(v: View): string[] {
  const rule = '─'.repeat(Math.min(v.columns || 80, 80));
  const lines = [`✻ Welcome to Fake Agent (model: ${v.model})`, `  cwd: ${v.cwd}`, ''];
  if (v.phase === 'starting') return lines;
  if (v.phase === 'dialog') {
    // A menu, never an input box: its `❯` is the cursor and the line above it is not a rule.
    return [
      ...lines,
      rule,
      ' Do you trust the files in this folder?',
      '',
      ...DIALOG_OPTIONS.map((o, i) => `${i === v.dialogCursor ? '❯' : ' '} ${i + 1}. ${o}`),
      '',
      ' Enter to confirm · Esc to cancel',
    ];
  }
  for (const h of v.history.slice(-HISTORY_SHOWN)) {
    if (h.prompt !== null) lines.push(`> ${truncate(firstLine(h.prompt), 60)}`);
    lines.push(...h.lines);
  }
  const [first = '', ...more] = v.input.split('\n');
  lines.push(rule, `❯ ${first}`, ...more.map((l) => `  ${l}`), rule);
  lines.push(v.phase === 'busy' ? '✻ Working… (esc to interrupt)' : '  ? for shortcuts');
  return lines;
}

export function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
