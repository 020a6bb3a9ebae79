/**
 * Menus as agent CLIs draw them: a column of options, one marked by a cursor (Claude Code `❯`, Codex `›`,
 * Gemini CLI `●`), numbered or not, maybe inside a box (`│ … │`).
 * Pure: a captured screen → the options and where the cursor is; and the one key that moves toward the
 * option wanted. Answers name options by their text, so a reordered or renumbered menu is still answered
 * right, and Enter goes only to the option that was asked for.
 */

export interface Menu {
  /** The option texts, top to bottom, without the cursor, a leading `N.` or trailing blanks. */
  options: string[];
  /** Index of the option the cursor is on. */
  cursor: number;
}

const CURSOR = /^(\s*)[❯›●][\s\u00a0]+(\S.*)$/;
const RULE = /^\s*─{8,}\s*$/;

/**
 * The menu at the bottom of the screen, or null when none shows. The cursor line is the last line that
 * starts with a cursor and is not an input box (a cursor right under a `─` rule); the options are the lines
 * around it whose text starts in the cursor line's text column (deeper lines are an option's continuation).
 * A box's side borders count as blanks.
 */
export function readMenu(screen: string): Menu | null {
  const lines = screen.split('\n').map((l) => l.replace(/^(\s*)│/, '$1 ').replace(/│\s*$/, '').replace(/\s+$/, ''));
  let at = -1;
  let col = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = CURSOR.exec(lines[i]!);
    if (!m || (i > 0 && RULE.test(lines[i - 1]!))) continue;
    at = i;
    col = lines[i]!.length - m[2]!.length;
    break;
  }
  if (at < 0) return null;
  const optionAt = (i: number): 'option' | 'more' | 'end' => {
    const l = lines[i];
    if (l === undefined || RULE.test(l)) return 'end';
    if (l === '') return 'more';
    const lead = l.length - l.trimStart().length;
    if (lead < col || l.slice(0, col).trim() !== '') return 'end';
    return lead === col ? 'option' : 'more';
  };
  const above: string[] = [];
  for (let i = at - 1; i >= 0; i--) {
    const k = optionAt(i);
    if (k === 'end') break;
    if (k === 'option') above.unshift(lines[i]!.slice(col));
  }
  const below: string[] = [];
  for (let i = at + 1; i < lines.length; i++) {
    const k = optionAt(i);
    if (k === 'end') break;
    if (k === 'option') below.push(lines[i]!.slice(col));
  }
  const options = [...above, lines[at]!.slice(col), ...below].map(optionText);
  return { options, cursor: above.length };
}

/** `1. Yes, I trust this folder  ` → `Yes, I trust this folder`. */
function optionText(line: string): string {
  return line.replace(/^\d+\.\s+/, '').replace(/\s+/g, ' ').trim();
}

/** The index of the option whose text starts with `choose` (case and spacing aside), or -1. */
export function findOption(menu: Menu, choose: string): number {
  const want = choose.replace(/\s+/g, ' ').trim().toLowerCase();
  return menu.options.findIndex((o) => o.toLowerCase().startsWith(want));
}

/**
 * The next key toward `choose`: Enter once the cursor is on it, else one Up or Down. null when the
 * option is not on screen (never guess: a blind Enter can be "No, exit").
 */
export function menuKey(menu: Menu, choose: string): 'Enter' | 'Up' | 'Down' | null {
  const target = findOption(menu, choose);
  if (target < 0) return null;
  if (target === menu.cursor) return 'Enter';
  return target > menu.cursor ? 'Down' : 'Up';
}

/**
 * What a dialog says, for a reason a person reads: its lines from the last `─` rule down (the box a CLI
 * draws its dialogs in), or the last dozen lines, joined with " / " and cut at `max` characters.
 */
export function dialogText(screen: string, max = 500): string {
  const lines = screen.split('\n').map((l) => l.trim());
  let from = -1;
  for (let i = lines.length - 1; i >= 0; i--) if (/^─{8,}$/.test(lines[i]!)) { from = i + 1; break; }
  const text = (from >= 0 ? lines.slice(from) : lines).filter((l) => l !== '').slice(from >= 0 ? 0 : -12).join(' / ');
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
