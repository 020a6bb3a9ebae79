import { spawn, type ChildProcess } from 'node:child_process';
import { socketArgs, type TmuxSocket } from './client.js';
import { TmuxCommands } from './commands.js';
import { ControlParser, controlCommand, type ControlEvent } from './control-parser.js';
import { TmuxError } from './errors.js';
import { ExecTmuxClient, missingBinaryError, READS, timeoutError, tmuxEnv } from './exec-client.js';
import { parseRows, template } from './format.js';
import { serially } from '../util/serial.js';
import { CHANNEL_FLAGS, channelCommand } from './strays.js';

/** How long to wait before trying again to reach a server that did not answer; doubles up to the cap. */
const BACKOFF_FIRST_MS = 500;
const BACKOFF_CAP_MS = 30_000;


/** The notifications that say the set of sessions changed. */
const SESSION_CHANGES = new Set(['sessions-changed']);

/** The control client ended (not a timeout) before it answered the command. */
class ClientEnded extends TmuxError {}

/**
 * The control-mode transport: one long-lived `tmux -C` client per server, used as a command channel
 * (attached with no-output and ignore-size: it draws nothing and sizes nothing). Commands are written one
 * per line, pipelined, and matched to their replies in order; ~0.1 ms a round trip against ~4 ms for a
 * spawned `tmux` (../shared/TMUX-NOTES.md).
 *
 * A control client must be attached to a session. It attaches to one of ours where it can (a session with
 * `anchor`, the pool option, set), which has `detach-on-destroy off`, so removing that session moves the
 * client to another instead of ending it. Until a server with one of our sessions runs, each command goes through the exec
 * transport (that is how the first session, and the server, get made); the next call connects.
 *
 * Failure: no answer for `timeoutMs` while commands wait ends the client (a stopped or wedged server);
 * every command waiting on it fails with `timeout`, and calls fail at once until a backoff has passed, so a
 * wedged server never makes the controller spin or hang. A client that ends otherwise (the server exited)
 * fails what was waiting and is made anew on the next call.
 */
export class ControlTmuxClient extends TmuxCommands {
  readonly label: string;
  private readonly exec: ExecTmuxClient;
  private conn: Connection | null = null;
  private connecting: Promise<Connection | null> | null = null;
  /** After a timeout: no new client before this time, and the error calls fail with meanwhile. */
  private wedged: { until: number; error: TmuxError; backoffMs: number } | null = null;
  /** No server (or none of our sessions) at the last look; connecting again waits until a command might have changed that. */
  private absentUntil = 0;
  /** How many control clients this transport has attached: one per server it reached, unless one ended. */
  connections = 0;

  constructor(socket: TmuxSocket, protected override readonly binary = 'tmux', private readonly timeoutMs = 10_000, private readonly anchor = '@agentpool-pool') {
    super(socket);
    this.exec = new ExecTmuxClient(socket, binary, timeoutMs);
    this.label = this.exec.label;
  }

  protected async run(args: readonly string[], again = true): Promise<string> {
    const conn = await this.connection(args);
    if (!conn) return this.viaExec(args);
    try {
      return await conn.send(args);
    } catch (err) {
      // A read the client took just as it ended (the last session went and the server with it) is asked
      // again, of a new client or of no server. Nothing that changes anything is sent twice.
      if (again && err instanceof ClientEnded && READS.has(args[0]!)) return this.run(args, false);
      throw err;
    }
  }

  protected async runAll(commands: ReadonlyArray<readonly string[]>): Promise<void> {
    const conn = await this.connection(commands[0] ?? ['command']);
    if (!conn) {
      for (const c of commands) await this.viaExec(c);
      return;
    }
    // One at a time: a control client runs every line it gets, so stopping at the first failure is ours to do.
    for (const c of commands) await conn.send(c);
  }

  protected async loadBuffer(name: string, text: string): Promise<void> {
    // `load-buffer -` reads nothing in control mode; set-buffer takes the text as one quoted word.
    await this.run(['set-buffer', '-b', name, '--', text]);
  }

  private readonly listeners = new Set<() => void>();

  /**
   * Calls `listener` when tmux says a session came or went (`%sessions-changed`), ours or not, while a
   * client is attached: the controller looks again at once instead of at its next resync.
   */
  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** Ends the control client; the next command starts a new one. */
  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = null;
    conn?.close('the transport was closed');
  }

  override async endServerProcess(): Promise<number | null> {
    await this.close();
    return super.endServerProcess();
  }

  override async killServer(): Promise<void> {
    // The client ends with the server; its answer may not come back through it.
    await this.close();
    await this.exec.killServer();
  }

  /**
   * A command while no client is attached: one at a time, each first trying to attach (the one before may
   * have started the server). Many tmux processes starting one server at once race for it: 20 new sessions
   * in parallel took 12 s that way, one after another well under 1 s.
   */
  private viaExec(args: readonly string[]): Promise<string> {
    return serially(`tmux-exec:${this.label}`, async () => {
      const conn = await this.connection(args);
      if (conn) return conn.send(args);
      const out = await this.exec.run(args);
      this.absentUntil = 0; // a command went through: a server (and perhaps one of our sessions) may be there now
      return out;
    });
  }

  /** The open client, a new one, or null to go through exec; `args` is the command that asks, for errors. */
  private async connection(args: readonly string[]): Promise<Connection | null> {
    if (this.conn?.alive) return this.conn;
    this.conn = null;
    const now = Date.now();
    if (this.wedged && now < this.wedged.until) throw timeoutError(this.label, args, this.timeoutMs, this.binary, args, this.wedged.error);
    if (now < this.absentUntil) return null;
    this.connecting ??= this.connect().finally(() => (this.connecting = null));
    try {
      return await this.connecting;
    } catch (err) {
      // A server that does not answer the look for a session to attach to is wedged like one that stops
      // answering a client: back off, and say it of the command that asked.
      if (!(err instanceof TmuxError && err.kind === 'timeout')) throw err;
      this.onWedged(err);
      throw timeoutError(this.label, args, this.timeoutMs, this.binary, args, err);
    }
  }

  private async connect(): Promise<Connection | null> {
    const anchor = await this.anchorSession();
    if (!anchor) {
      // Looked for again after the next command that reached tmux, or in a second.
      this.absentUntil = Date.now() + 1_000;
      return null;
    }
    const args = [...socketArgs(this.socket), '-f', '/dev/null', '-C', 'attach-session', '-f', CHANNEL_FLAGS, '-t', anchor.id];
    const conn = new Connection(this.binary, args, this.label, this.timeoutMs, (err) => this.onWedged(err), () => this.listeners.forEach((l) => l()));
    try {
      await conn.attached;
    } catch (err) {
      conn.close('it could not attach');
      if (err instanceof TmuxError && err.kind === 'missing-binary') throw err;
      this.absentUntil = Date.now() + 1_000;
      return null; // the session went between the look and the attach; the exec transport answers meanwhile
    }
    this.connections++;
    this.wedged = null;
    this.conn = conn;
    // Ours made before this version lack it: without it, removing the anchor would end the client. Another
    // program's session is never changed; if it goes, the client ends and the next call attaches anew.
    if (anchor.ours) await conn.send(['set-option', '-t', anchor.id, 'detach-on-destroy', 'off']).catch(() => {});
    // A channel left by a controller that died would hold this server once it is told to exit.
    await this.endStrayChannels().catch(() => {});
    return conn;
  }

  /** A session to attach to, by id, one of ours if there is one; null when no server runs or it has none. */
  private async anchorSession(): Promise<{ id: string; ours: boolean } | null> {
    const args = ['list-sessions', '-F', template(['session_id', this.anchor])];
    let out: string;
    try {
      out = await this.exec.run(args);
    } catch (err) {
      if (err instanceof TmuxError && err.kind === 'no-server') return null;
      throw err;
    }
    const rows = parseRows(out, ['id', 'pool'] as const, { command: this.binary, args });
    const row = rows.find((r) => r.pool !== '') ?? rows[0];
    return row ? { id: row.id, ours: row.pool !== '' } : null;
  }

  private onWedged(error: TmuxError): void {
    const backoffMs = Math.min(BACKOFF_CAP_MS, this.wedged ? this.wedged.backoffMs * 2 : BACKOFF_FIRST_MS);
    this.wedged = { until: Date.now() + backoffMs, error, backoffMs };
  }
}

interface Pending {
  args: readonly string[];
  resolve: (out: string) => void;
  reject: (err: TmuxError) => void;
}

/** One `tmux -C` client process: lines out, replies in, in order. */
class Connection {
  readonly attached: Promise<void>;
  private readonly child: ChildProcess;
  private readonly parser = new ControlParser();
  private readonly pending: Pending[] = [];
  private ended: Ending | null = null;
  private stall: NodeJS.Timeout | null = null;
  private onAttach!: { resolve: () => void; reject: (err: TmuxError) => void };
  private stderr = '';

  constructor(
    private readonly binary: string,
    private readonly args: readonly string[],
    private readonly label: string,
    private readonly timeoutMs: number,
    private readonly wedged: (err: TmuxError) => void,
    private readonly changed: () => void,
  ) {
    this.attached = new Promise((resolve, reject) => (this.onAttach = { resolve, reject }));
    this.attached.catch(() => {}); // observed by connect(); a rejection no one awaits is not a crash
    const command = channelCommand(binary, args, tmuxEnv());
    this.child = spawn(command.file, command.args, { env: command.env, stdio: ['pipe', 'pipe', 'pipe'] });
    // A daemon's command channel, never a reason for the process to stay up.
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
    this.child.stdout!.on('data', (chunk: Buffer) => this.feed(this.parser.feed(chunk)));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-2000)));
    this.child.stdin!.on('error', () => {}); // a write after the client died: 'exit' says why
    this.child.on('error', (err: NodeJS.ErrnoException) => {
      this.end(err.code === 'ENOENT' ? { error: () => missingBinaryError(binary, args, err) } : this.failed(`could not start: ${err.message}`));
    });
    this.child.on('exit', (code, signal) => this.end(this.failed(`ended (${signal ?? `exit ${code}`})${this.stderr.trim() ? `: ${this.stderr.trim()}` : ''}`)));
    const timer = setTimeout(() => this.timedOut(['attach-session']), timeoutMs);
    this.attached.finally(() => clearTimeout(timer)).catch(() => {});
  }

  get alive(): boolean {
    return this.ended === null;
  }

  send(args: readonly string[]): Promise<string> {
    if (this.ended !== null) return Promise.reject(this.ended.error(args));
    const line = `${controlCommand(args)}\n`;
    return new Promise((resolve, reject) => {
      this.pending.push({ args, resolve, reject });
      this.watch();
      this.child.stdin!.write(line);
    });
  }

  close(why: string): void {
    if (this.ended !== null) return;
    this.end(this.failed(`was closed: ${why}`));
    this.child.stdin!.end();
    // A client that does not go on its own (a stopped server holds it) is ended.
    setTimeout(() => this.child.kill('SIGKILL'), 1_000).unref();
  }

  private feed(events: ControlEvent[]): void {
    for (const e of events) {
      if (e.kind === 'reply') {
        if (e.flags === 0) {
          // The answer to the attach on the command line: the channel is open, or why not.
          if (e.ok) this.onAttach.resolve();
          else this.onAttach.reject(new TmuxError(`${this.label} could not attach: ${e.lines.join(' ')}`, this.binary, this.args, e.lines.join('\n'), undefined, 'no-server'));
          continue;
        }
        const p = this.pending.shift();
        if (!p) continue;
        this.watch(true);
        if (e.ok) p.resolve(e.lines.length ? `${e.lines.join('\n')}\n` : '');
        else p.reject(new TmuxError(`${this.label} ${p.args[0]} failed: ${e.lines.join(' ')}`, this.binary, p.args, e.lines.join('\n'), 1, 'failed'));
      } else if (e.kind === 'exit') {
        this.end(this.failed(`detached${e.reason ? ` (${e.reason})` : ''}: the server exited or the session went`));
      } else if (e.kind === 'broken') {
        this.end(this.failed(`printed something that is not control mode: ${e.reason}`));
        this.child.kill('SIGKILL');
      } else if (e.kind === 'notification' && SESSION_CHANGES.has(e.name)) {
        this.changed();
      }
      // Other notifications (%session-changed, newer kinds) carry nothing anyone waits for.
    }
  }

  /**
   * The server is wedged when it answers nothing for `timeoutMs` while commands wait: one timer from the
   * last answer, not one per command, so a long queue of slow commands (1,000 new sessions) is not taken
   * for a wedged server. `answered`: a reply just came, so the wait starts again.
   */
  private watch(answered = false): void {
    if (answered || this.pending.length === 0) {
      clearTimeout(this.stall ?? undefined);
      this.stall = null;
    }
    if (this.pending.length > 0 && this.stall === null) this.stall = setTimeout(() => this.timedOut(this.pending[0]?.args ?? ['command']), this.timeoutMs);
  }

  private timedOut(args: readonly string[]): void {
    const error = (a: readonly string[]) => timeoutError(this.label, a, this.timeoutMs, this.binary, this.args);
    this.wedged(error(args));
    this.end({ error });
    this.child.kill('SIGKILL');
  }

  /** Why the client ended, as the error of each command that was waiting on it. */
  private failed(what: string): Ending {
    return { error: (args) => new ClientEnded(`${this.label}: ${args[0]} got no answer: the control client ${what}`, this.binary, args, '', undefined, 'failed') };
  }

  /** Fails everything waiting; the connection takes nothing more. */
  private end(ending: Ending): void {
    if (this.ended !== null) return;
    this.ended = ending;
    this.onAttach.reject(ending.error(['attach-session']));
    clearTimeout(this.stall ?? undefined);
    for (const p of this.pending.splice(0)) {
      p.reject(ending.error(p.args));
    }
  }
}

interface Ending {
  error(args: readonly string[]): TmuxError;
}
