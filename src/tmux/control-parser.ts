/**
 * A pure parser of tmux control mode (`tmux -C`) output: bytes in, events out, no I/O. The control-mode
 * transport (issue 12) feeds it what the client prints and matches replies to the commands it wrote.
 *
 * What bites (../shared/TMUX-NOTES.md, measured on 3.3a):
 * - every command answers with one block, `%begin <time> <number> <flags>` … `%end|%error <same time>
 *   <same number> <flags>`; flags are 1 for commands written to stdin, 0 for the one on the command line;
 * - output inside a block is not escaped: a line reading `%end 1 2 1` can be data, so a block ends only on an
 *   `%end` or `%error` whose time and number match its `%begin`;
 * - between blocks come notifications (`%session-changed …`, `%exit`), and newer tmux adds kinds: unknown ones
 *   are passed on as notifications, never an error;
 * - a chunk can end anywhere, even inside a UTF-8 character.
 */

export type ControlEvent =
  /** The answer to one command: its output lines, or its error lines when `ok` is false. */
  | { kind: 'reply'; time: number; number: number; flags: number; ok: boolean; lines: string[] }
  /** A `%name args` line outside a block (`%exit` has its own kind). */
  | { kind: 'notification'; name: string; args: string }
  /**
   * A pane's output (`%output %ID data`, or `%extended-output %ID AGE : data` for a client attached with
   * pause-after): its bytes as the program wrote them (tmux escapes control bytes and `\` as `\ooo`; a
   * UTF-8 character may be split between two of these, so they stay bytes).
   */
  | { kind: 'output'; pane: string; bytes: Buffer }
  /** The client is detaching (`%exit [reason]`): nothing more will come. */
  | { kind: 'exit'; reason: string }
  /** The output broke the protocol or the size bound: the parser takes nothing more. */
  | { kind: 'broken'; reason: string };

const BEGIN = /^%begin (\d+) (\d+) (\d+)$/;
const END = /^%(end|error) (\d+) (\d+) (\d+)$/;

export class ControlParser {
  private pending: Buffer = Buffer.alloc(0);
  private block: { time: number; number: number; flags: number; lines: string[]; bytes: number } | null = null;
  private brokenBy: string | null = null;

  /** `maxBytes`: the most one unfinished line plus one open block may hold before the parser gives up. */
  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  /** Why the parser stopped taking input, or null while it works. */
  get broken(): string | null {
    return this.brokenBy;
  }

  /** Takes the next bytes the client printed; returns the events they complete, in order. */
  feed(chunk: Uint8Array | string): ControlEvent[] {
    if (this.brokenBy !== null) return [];
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    this.pending = this.pending.length ? Buffer.concat([this.pending, bytes]) : bytes;
    const events: ControlEvent[] = [];
    let start = 0;
    for (let nl = this.pending.indexOf(10, start); nl !== -1; nl = this.pending.indexOf(10, start)) {
      // Lines are cut at LF bytes only, so a UTF-8 character split across chunks is whole when decoded.
      const raw = this.pending.subarray(start, nl);
      const size = nl + 1 - start;
      start = nl + 1;
      const e = (this.block ? null : outputOf(raw)) ?? this.line(raw.toString('utf8'), size);
      if (e) events.push(e);
      if (this.brokenBy !== null) return events;
    }
    this.pending = this.pending.subarray(start);
    if (this.pending.length + (this.block?.bytes ?? 0) > this.maxBytes) events.push(this.break(`more than ${this.maxBytes} bytes without the end of a reply`));
    return events;
  }

  private line(line: string, size: number): ControlEvent | null {
    const b = this.block;
    if (b) {
      const end = END.exec(line);
      if (end && Number(end[2]) === b.time && Number(end[3]) === b.number) {
        this.block = null;
        return { kind: 'reply', time: b.time, number: b.number, flags: b.flags, ok: end[1] === 'end', lines: b.lines };
      }
      b.lines.push(line);
      b.bytes += size;
      return b.bytes > this.maxBytes ? this.break(`a reply of more than ${this.maxBytes} bytes`) : null;
    }
    const begin = BEGIN.exec(line);
    if (begin) {
      this.block = { time: Number(begin[1]), number: Number(begin[2]), flags: Number(begin[3]), lines: [], bytes: 0 };
      return null;
    }
    if (line.startsWith('%exit')) return { kind: 'exit', reason: line.slice('%exit'.length).trim() };
    if (line.startsWith('%')) {
      const space = line.indexOf(' ');
      return { kind: 'notification', name: line.slice(1, space === -1 ? undefined : space), args: space === -1 ? '' : line.slice(space + 1) };
    }
    // Outside a block tmux prints only notifications; anything else means we are not reading control mode.
    return this.break(`not control-mode output: ${JSON.stringify(line.slice(0, 80))}`);
  }

  private break(reason: string): ControlEvent {
    this.brokenBy = reason;
    this.pending = Buffer.alloc(0);
    this.block = null;
    return { kind: 'broken', reason };
  }
}

const OUTPUT = Buffer.from('%output ');
const EXTENDED = Buffer.from('%extended-output ');

/** A `%output` or `%extended-output` line's pane and bytes, unescaped; null for any other line. */
function outputOf(line: Buffer): ControlEvent | null {
  const extended = line.subarray(0, EXTENDED.length).equals(EXTENDED);
  if (!extended && !line.subarray(0, OUTPUT.length).equals(OUTPUT)) return null;
  let at = (extended ? EXTENDED : OUTPUT).length;
  const paneEnd = line.indexOf(32, at);
  if (paneEnd === -1) return null;
  const pane = line.subarray(at, paneEnd).toString('latin1');
  at = paneEnd + 1;
  if (extended) {
    // `AGE ... : data`: the data follows the first ` : `.
    const colon = line.indexOf(' : ', at);
    if (colon === -1) return null;
    at = colon + 3;
  }
  const out = Buffer.allocUnsafe(line.length - at);
  let n = 0;
  for (let i = at; i < line.length; i++) {
    const b = line[i]!;
    if (b === 92 && i + 3 < line.length && isOctal(line[i + 1]) && isOctal(line[i + 2]) && isOctal(line[i + 3])) {
      out[n++] = ((line[i + 1]! - 48) << 6) | ((line[i + 2]! - 48) << 3) | (line[i + 3]! - 48);
      i += 3;
    } else out[n++] = b;
  }
  return { kind: 'output', pane, bytes: out.subarray(0, n) };
}

function isOctal(b: number | undefined): boolean {
  return b !== undefined && b >= 48 && b <= 55;
}

/**
 * One command line for control mode: each word in double quotes, with `\`, `"`, `$` and `~` escaped and
 * control characters (newlines too) as `\ooo`, so no byte of the text is read as syntax. Control mode runs a
 * line per command and detaches on an empty line, so a command with no words is refused.
 */
export function controlCommand(words: readonly string[]): string {
  if (words.length === 0) throw new Error('an empty control-mode command would detach the client');
  return words.map(quoteWord).join(' ');
}

function quoteWord(word: string): string {
  let out = '"';
  for (const ch of word) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === '"' || ch === '$' || ch === '~') out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
