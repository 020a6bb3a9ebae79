import { spawn, type ChildProcess } from 'node:child_process';
import { socketArgs, type TmuxSocket } from './client.js';
import { ControlParser, controlCommand, type ControlEvent } from './control-parser.js';
import { tmuxEnv } from './exec-client.js';
import { channelCommand, VIEWER_FLAGS } from './strays.js';

/** What a paint asks of the pane besides its lines: its id, its program's pid, its size and its cursor. */
const FACTS = '#{pane_id} #{pane_pid} #{pane_width} #{pane_height} #{cursor_x} #{cursor_y}';
const FACTS_LINE = /^(%\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$/;
/** How often the viewer looks whether the pane's program was started anew. */
const PROGRAM_LOOK_MS = 1_000;

/** A pane's screen as it is now: its size, and what paints it on an empty terminal of that size. */
export interface ScreenSnapshot {
  cols: number;
  rows: number;
  /** The visible lines with their colours (capture-pane -e), then the cursor put where it is. */
  paint: string;
}

export interface ViewerEvents {
  /** The screen from scratch (at the start, after a resize, or after the viewer fell behind). */
  reset(s: ScreenSnapshot): void;
  /** What the pane's program wrote since, as bytes (a UTF-8 character may be split between two). */
  output(bytes: Buffer): void;
  /** The viewer ended: the session went, the server exited, or close(). */
  end(why: string): void;
}

/**
 * A read-only view of one session's pane for the dashboard (issue 28): its own `tmux -C` client, attached
 * read-only with ignore-size (it never types, and never changes the pane's size, however many watch) and
 * pause-after (a viewer that falls behind is paused by tmux instead of buffering without bound; it then
 * starts again from a fresh snapshot). Started like a command channel (channelCommand), so it ends with
 * the process that started it, even one killed with SIGKILL.
 *
 * The pane's output and the replies to this client's commands come in one ordered stream, so the output
 * that arrives after the reply to capture-pane is exactly what the snapshot does not show yet.
 */
export class PaneViewer {
  private readonly child: ChildProcess;
  private readonly parser = new ControlParser();
  /** What each command written is waiting for, in order. */
  private readonly waiting: Array<(lines: string[] | null) => void> = [];
  private pane: string | null = null;
  /** The pid of the program the last paint showed. */
  private program: string | null = null;
  private readonly looks: NodeJS.Timeout;
  /** Output is passed on only after a snapshot; until then (and while a new one is taken) it is in it. */
  private live = false;
  private ended = false;

  constructor(socket: TmuxSocket, private readonly session: string, private readonly on: ViewerEvents, binary = 'tmux') {
    const command = channelCommand(binary, [...socketArgs(socket), '-f', '/dev/null', '-C', 'attach-session', '-r', '-f', VIEWER_FLAGS, '-t', `=${session}`], tmuxEnv());
    this.child = spawn(command.file, command.args, { env: command.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => this.feed(this.parser.feed(chunk)));
    this.child.stdin!.on('error', () => {});
    let stderr = '';
    this.child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
    this.child.on('error', (err) => this.end(`tmux could not start: ${err.message}`));
    this.child.on('exit', () => this.end(stderr.trim() || 'the session or its server is gone'));
    this.looks = setInterval(() => this.lookAtProgram(), PROGRAM_LOOK_MS);
    this.looks.unref();
  }

  /** Takes a fresh snapshot and sends it as a reset (a new watcher needs one). */
  resync(): void {
    this.snapshot();
  }

  close(): void {
    if (this.ended) return;
    this.end('closed');
    this.child.stdin!.end();
    setTimeout(() => this.child.kill('SIGKILL'), 1_000).unref();
  }

  /**
   * Writes commands in one write (tmux reads them together, so no output comes between them); each `done`
   * gets its command's output lines (null when it failed), in feed(), in stream order.
   */
  private send(...commands: Array<[words: string[], done?: (lines: string[] | null) => void]>): void {
    if (this.ended) return;
    for (const [, done] of commands) this.waiting.push(done ?? (() => {}));
    this.child.stdin!.write(commands.map(([words]) => `${controlCommand(words)}\n`).join(''));
  }

  /**
   * The pane's facts and its screen, asked for together (one write, so no output comes between them);
   * the reset is sent as the screen's reply is read, so what the stream brings after it applies to it.
   */
  private snapshot(): void {
    this.live = false;
    let facts: string[] | null = null;
    this.send([['display-message', '-p', '-t', `=${this.session}:`, FACTS], (l) => (facts = l)], [['capture-pane', '-p', '-e', '-t', `=${this.session}:`], (lines) => {
      const m = FACTS_LINE.exec(facts?.[0] ?? '');
      if (!m || !lines || this.ended) return;
      this.pane = m[1]!;
      this.program = m[2]!;
      const [cols, rows, x, y] = [m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number];
      this.live = true;
      this.on.reset({ cols, rows, paint: `\x1b[0m\x1b[2J\x1b[H${lines.slice(0, rows).join('\r\n')}\x1b[0m\x1b[${y + 1};${x + 1}H` });
    }]);
  }

  /**
   * A program started anew in the pane (respawn-pane, as each task's agent starts) gets a fresh screen
   * from tmux, which says nothing of it in the stream: the pane's pid is looked at every PROGRAM_LOOK_MS,
   * and a new one is painted afresh.
   */
  private lookAtProgram(): void {
    if (!this.live) return;
    this.send([['display-message', '-p', '-t', `=${this.session}:`, '#{pane_pid}'], (l) => {
      if (this.live && l?.[0] && l[0] !== this.program) this.snapshot();
    }]);
  }

  private feed(events: ControlEvent[]): void {
    for (const e of events) {
      if (e.kind === 'reply') {
        if (e.flags === 0) {
          if (e.ok) this.snapshot();
          else this.end(`cannot watch ${this.session}: ${e.lines.join(' ')}`);
        } else this.waiting.shift()?.(e.ok ? e.lines : null);
      } else if (e.kind === 'output') {
        if (this.live && e.pane === this.pane) this.on.output(e.bytes);
      } else if (e.kind === 'exit') {
        this.end('the session or its server is gone');
      } else if (e.kind === 'broken') {
        this.end(`tmux printed something that is not control mode: ${e.reason}`);
      } else if (e.kind === 'notification') {
        // Its session went (a control client then moves to another one) → the view ends.
        if (e.name === 'session-changed' && !e.args.endsWith(` ${this.session}`)) this.end(`${this.session} is gone`);
        // It fell behind by pause-after's seconds and tmux paused it: on again, from a fresh screen.
        else if (e.name === 'pause' && e.args === this.pane) {
          this.live = false;
          this.send([['refresh-client', '-A', `${this.pane}:continue`]]);
          this.snapshot();
        } else if (e.name === 'layout-change' || e.name === 'window-pane-changed') this.snapshot();
      }
    }
  }

  private end(why: string): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.looks);
    this.live = false;
    for (const w of this.waiting.splice(0)) w(null);
    this.child.kill('SIGTERM');
    this.on.end(why);
  }
}
