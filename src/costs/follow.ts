import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { MessageUsage } from './usage.js';

type Window = { from: number; to: number };

/** A session file's usage as a fold over its lines (JSON Lines): what a CLI's reader keeps between lines. */
export interface LineFold<S> {
  start(): S;
  /** One whole, non-empty line. */
  line(s: S, line: string, window: Window): void;
  messages(s: S): MessageUsage[];
}

/** Pure: the fold over a whole text. */
export function foldText<S>(fold: LineFold<S>, text: string, window: Window): MessageUsage[] {
  const s = fold.start();
  for (const line of text.split('\n')) if (line.trim()) fold.line(s, line, window);
  return fold.messages(s);
}

/**
 * A session file read as it grows (a working agent's, looked at every few seconds against its task's cap):
 * each look reads only the bytes written since the last one and folds their whole lines into what it
 * kept, so a transcript of megabytes costs its new lines, not its whole again. A file that got shorter or
 * was replaced is read again from its start. Lines are cut at LF bytes and decoded across reads, so a
 * character or a line split between two looks is read whole. Null when the file cannot be read.
 */
export class FileFollower<S> {
  private offset = 0;
  private identity = '';
  private rest = '';
  private decoder = new StringDecoder('utf8');
  private state: S;

  constructor(readonly path: string, private readonly fold: LineFold<S>, private readonly window: Window) {
    this.state = fold.start();
  }

  async read(): Promise<MessageUsage[] | null> {
    const fh = await open(this.path, 'r').catch(() => null);
    if (!fh) return null;
    try {
      const st = await fh.stat();
      // A file replaced (another inode, or the same number reused: another birth time) or cut short.
      const identity = `${st.dev}:${st.ino}:${st.birthtimeMs}`;
      if (identity !== this.identity || st.size < this.offset) {
        this.identity = identity;
        this.offset = 0;
        this.rest = '';
        this.decoder = new StringDecoder('utf8');
        this.state = this.fold.start();
      }
      const chunk = st.size > this.offset ? Buffer.allocUnsafe(Math.min(1 << 20, st.size - this.offset)) : Buffer.alloc(0);
      while (this.offset < st.size) {
        const { bytesRead } = await fh.read(chunk, 0, Math.min(chunk.length, st.size - this.offset), this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        const lines = (this.rest + this.decoder.write(chunk.subarray(0, bytesRead))).split('\n');
        this.rest = lines.pop()!;
        for (const line of lines) if (line.trim()) this.fold.line(this.state, line, this.window);
      }
      return this.fold.messages(this.state);
    } finally {
      await fh.close();
    }
  }
}
