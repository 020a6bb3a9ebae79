import type { LineCounter, YAMLError } from 'yaml';

/** A YAML syntax error placed where the mistake is, with what to do about it. */
export interface SyntaxProblem {
  line: number;
  col: number;
  message: string;
}

/**
 * Pure: the YAML library's errors → the ones a person needs. The library reports where it noticed the
 * problem, often lines after the mistake (a key indented too far is reported on the keys after it); here
 * each kind of mistake is placed on the line that makes it and gets a hint. One mistake confuses the rest
 * of the document, so only the first error of each kind is kept.
 */
export function describeYamlErrors(errors: readonly YAMLError[], text: string, lines: LineCounter): SyntaxProblem[] {
  const rows = text.split('\n');
  const indentOf = (line: number) => (rows[line - 1] ?? '').length - (rows[line - 1] ?? '').trimStart().length;
  const firstCol = (line: number) => indentOf(line) + 1;
  const seen = new Set<string>();
  const out: SyntaxProblem[] = [];
  for (const e of errors) {
    if (seen.has(e.code)) continue;
    seen.add(e.code);
    const at = lines.linePos(e.pos[0]);
    const first = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    switch (e.code) {
      case 'TAB_AS_INDENT': {
        const line = rows.findIndex((r) => /^ *\t/.test(r)) + 1 || at.line;
        out.push({ line, col: 1, message: 'invalid YAML: a tab in the indentation; YAML indents with spaces only' });
        break;
      }
      case 'BAD_INDENT': {
        const opener = /Flow (sequence|map)/.exec(first);
        if (opener) {
          const [open, close] = opener[1] === 'sequence' ? ['[', ']'] : ['{', '}'];
          const o = findUnclosed(rows, at.line, open, close);
          out.push({ ...(o ?? at), message: `invalid YAML: this "${open}" is never closed: add "${close}" at the end of its list` });
          break;
        }
        // A key indented differently from its siblings: the first line whose indentation breaks the block.
        const line = badIndentLine(rows, at.line);
        const prev = previousContentLine(rows, line);
        out.push({
          line, col: firstCol(line),
          message: `invalid YAML: this line is indented ${indentOf(line)} spaces${prev ? ` and line ${prev} above it ${indentOf(prev)}` : ''}: ` +
            'keys of one mapping start at the same column (a nested key goes 2 spaces further than its parent)',
        });
        break;
      }
      case 'BLOCK_AS_IMPLICIT_KEY':
      case 'MULTILINE_IMPLICIT_KEY': {
        const next = at.line + 1;
        out.push({
          line: next, col: firstCol(next),
          message: `invalid YAML: this line is indented further than line ${at.line} (${indentOf(next)} spaces, not ${indentOf(at.line)}), so it reads as part of that line's value: line them up`,
        });
        break;
      }
      case 'MISSING_CHAR':
        out.push({ ...at, message: `invalid YAML: ${first}${/quote/i.test(first) ? ' (a quoted string is not closed on the line it starts)' : ''}` });
        break;
      default:
        out.push({ ...at, message: `invalid YAML: ${first}` });
    }
  }
  const unique = out.filter((p, i) => out.findIndex((q) => q.line === p.line && q.message === p.message) === i);
  return unique.sort((a, b) => a.line - b.line || a.col - b.col);
}

function previousContentLine(rows: readonly string[], line: number): number | null {
  for (let i = line - 2; i >= 0; i--) if (rows[i]!.trim() !== '' && !rows[i]!.trimStart().startsWith('#')) return i + 1;
  return null;
}

/**
 * The line that breaks the indentation near `reported`: the library reports the end of the block that a
 * too-deep key opened, or a later sibling. Walking up, the first key indented deeper than the line after
 * it while not being that line's parent (it has no children) is the odd one out.
 */
function badIndentLine(rows: readonly string[], reported: number): number {
  const indent = (i: number) => rows[i]!.length - rows[i]!.trimStart().length;
  const content = (i: number) => rows[i] !== undefined && rows[i]!.trim() !== '' && !rows[i]!.trimStart().startsWith('#');
  const idx: number[] = [];
  for (let i = 0; i < Math.min(rows.length, reported); i++) if (content(i)) idx.push(i);
  for (let k = idx.length - 1; k > 0; k--) {
    const cur = idx[k]!;
    const prev = idx[k - 1]!;
    // A line indented deeper than the one before, where that one is no parent (it has a value after its colon).
    if (indent(cur) > indent(prev) && !/:\s*(#.*)?$/.test(rows[prev]!)) return cur + 1;
    // A parent whose first child is not 2 deeper while the following siblings are: the parent line is off.
    if (indent(cur) > indent(prev) && k + 1 < idx.length && indent(idx[k + 1]!) < indent(cur) && indent(idx[k + 1]!) > indent(prev)) return cur + 1;
  }
  return reported;
}

/** Where an opener without its closer starts, searching up from `line`. */
function findUnclosed(rows: readonly string[], line: number, open: string, close: string): { line: number; col: number } | null {
  for (let i = Math.min(line, rows.length) - 1; i >= 0; i--) {
    const r = rows[i]!;
    let depth = 0;
    for (let c = r.length - 1; c >= 0; c--) {
      if (r[c] === close) depth++;
      else if (r[c] === open) {
        if (depth === 0) return { line: i + 1, col: c + 1 };
        depth--;
      }
    }
  }
  return null;
}
