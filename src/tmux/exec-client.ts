import { socketArgs, type TmuxSocket } from './client.js';
import { pasteBuffer, TmuxCommands } from './commands.js';
import { TmuxError, isNoServerMessage, isRefusedMessage } from './errors.js';
import { withReleasedPipes } from '../util/release-pipes.js';

/**
 * tmux reads a word that ends in `;` as a command separator, even in argv. `\;` at the end of a word is a
 * literal `;` (measured on 3.3a), so every word we pass — paths, models, env values — is escaped.
 */
export function escapeArg(word: string): string {
  return word.endsWith(';') ? `${word.slice(0, -1)}\\;` : word;
}

/**
 * The exec transport: one `tmux` process per command. Simple and robust, ~4 ms a command; what one-shot
 * CLI commands use, and the daemon with `tmux.transport: exec`.
 */
export class ExecTmuxClient extends TmuxCommands {
  readonly label: string;
  private readonly base: string[];
  /** The environment of every command: the caller's, less TMUX and TMUX_PANE (see tmuxEnv). */
  private readonly env = tmuxEnv();

  /**
   * `timeoutMs`: how long one command may take before its tmux process is killed and the call fails (a
   * server stopped with SIGSTOP or wedged would otherwise hold every caller forever).
   */
  constructor(socket: TmuxSocket, protected override readonly binary = 'tmux', private readonly timeoutMs = 10_000) {
    super(socket);
    this.base = socketArgs(socket);
    this.label = `${binary} ${this.base.join(' ')}`;
    // The user's ~/.tmux.conf is read only by the command that starts the server; ours starts with none, so
    // nothing in it (hooks, remain-on-exit, base-index, a default-command) changes what agentpool does.
    this.base.push('-f', '/dev/null');
  }

  /**
   * Runs one tmux command (for the control transport, which starts the server this way); returns stdout.
   * A server whose last session just went refuses connections for a moment while it exits: a read that
   * is refused is asked again for up to REFUSED_GRACE_MS, so only a server that goes on refusing (held by
   * a client) counts as refusing, and one that exits counts as none.
   */
  override async run(args: readonly string[]): Promise<string> {
    const until = Date.now() + REFUSED_GRACE_MS;
    for (;;) {
      try {
        return await this.spawn(args.map(escapeArg));
      } catch (err) {
        if (!(err instanceof TmuxError && err.kind === 'refused' && READS.has(args[0]!) && Date.now() < until)) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  protected async runAll(commands: ReadonlyArray<readonly string[]>): Promise<void> {
    // One process: tmux runs a `;` list in order and stops at the first command that fails.
    await this.spawn(commands.flatMap((c, i) => [...(i ? [';'] : []), ...c.map(escapeArg)]));
  }

  protected async loadBuffer(name: string, text: string): Promise<void> {
    await this.spawn(['load-buffer', '-b', escapeArg(name), '-'], text);
  }

  override async pasteText(paneId: string, text: string): Promise<void> {
    // One process, not two: tmux runs paste-buffer once load-buffer has read all of stdin. A long task is
    // pasted in thousands of pieces, and each tmux process costs ~5-10 ms here (bench/paste.mjs).
    const buffer = escapeArg(pasteBuffer(paneId));
    await this.spawn(['load-buffer', '-b', buffer, '-', ';', 'paste-buffer', '-p', '-d', '-b', buffer, '-t', paneId], text);
  }

  /**
   * Many pieces in few processes: each process sets and pastes as many pieces as fit in one tmux command
   * (tmux 3.3a refuses one over 16 KB, "command too long"), the text in argv (escaped like every word).
   * A multi-line MiB is ~7,000 pieces: one process each took 83 s, this takes a few (bench/paste.mjs).
   * A piece too long for argv goes alone through stdin.
   */
  override async pasteTexts(paneId: string, texts: readonly string[]): Promise<void> {
    const buffer = escapeArg(pasteBuffer(paneId));
    let batch: string[] = [];
    let bytes = 0;
    const flush = async () => {
      if (batch.length) await this.spawn(batch);
      batch = [];
      bytes = 0;
    };
    for (const text of texts) {
      if (text === '') continue;
      if (Buffer.byteLength(text) > ARGV_PIECE_MAX) {
        await flush();
        await this.pasteText(paneId, text);
        continue;
      }
      const command = ['set-buffer', '-b', buffer, '--', escapeArg(text), ';', 'paste-buffer', '-p', '-d', '-b', buffer, '-t', paneId];
      const size = command.reduce((n, word) => n + Buffer.byteLength(word) + 1, 0) + 2;
      if (bytes + size > COMMAND_MAX) await flush();
      batch.push(...(batch.length ? [';'] : []), ...command);
      bytes += size;
    }
    await flush();
  }

  /** Runs one tmux process with `args` as they are (already escaped); returns stdout. */
  private async spawn(args: readonly string[], input?: string): Promise<string> {
    const full = [...this.base, ...args];
    // Loaded when first needed: a controller on the control transport may never run a tmux process.
    const { execa } = await import('execa');
    const child = execa(this.binary, full, {
      reject: false, input, stripFinalNewline: false, env: this.env, extendEnv: false, timeout: this.timeoutMs, forceKillAfterDelay: 500,
    });
    // A tmux client hands its stdout to the server: a stopped server holds the pipe after the client died.
    const r = await withReleasedPipes(child, this.timeoutMs + 1_000);
    if (r.timedOut) throw timeoutError(this.label, args, this.timeoutMs, this.binary, full, r);
    if (r.failed) {
      const code = (r as { code?: string }).code;
      if (code === 'ENOENT') throw missingBinaryError(this.binary, full, r);
      const stderr = String(r.stderr ?? '').trim();
      const kind = isRefusedMessage(stderr) ? 'refused' : isNoServerMessage(stderr) ? 'no-server' : 'failed';
      const why = kind === 'refused' ? `${stderr}: ${REFUSED}` : stderr || r.shortMessage;
      throw new TmuxError(
        `${this.label} ${args[0]} failed${r.exitCode !== undefined ? ` (exit ${r.exitCode})` : ''}: ${why}`,
        this.binary, full, stderr, r.exitCode, kind, { cause: r },
      );
    }
    return String(r.stdout);
  }
}

/** The most bytes of words one tmux command carries here (tmux 3.3a refuses one over 16 KB). */
const COMMAND_MAX = 12_000;
/** A piece longer than this is pasted through stdin, in a process of its own. */
const ARGV_PIECE_MAX = 8_000;

/** How long a read may be refused before the refusal counts: a server exiting by itself is gone well within it. */
const REFUSED_GRACE_MS = 1_000;
/** Commands that only read: safe to ask again (refused by an exiting server, or their control client ended). */
export const READS: ReadonlySet<string> = new Set(['list-panes', 'list-sessions', 'list-clients', 'capture-pane', 'display-message']);

/** What a refused connection means, for the people who read the message. */
const REFUSED = 'the tmux server takes connections and closes them at once: it was told to exit and a client still holds it ' +
  '(often the command channel of a controller killed with SIGKILL), or it is crashing';

export function timeoutError(label: string, args: readonly string[], ms: number, binary: string, full: readonly string[], cause?: unknown): TmuxError {
  return new TmuxError(
    `${label} ${args[0]} got no answer within ${ms / 1000} s: the tmux server is stopped (SIGSTOP, a suspended job) ` +
      `or overloaded; see \`ps -o pid,stat,cmd -C tmux\` (state T is stopped: kill -CONT it, or end it)`,
    binary, full, '', undefined, 'timeout', { cause },
  );
}

export function missingBinaryError(binary: string, full: readonly string[], cause?: unknown): TmuxError {
  return new TmuxError(`the tmux binary "${binary}" was not found: install tmux (e.g. apt-get install tmux)`, binary, full, '', undefined, 'missing-binary', { cause });
}

/**
 * The environment of every tmux command: the caller's, less what tmux reads as "where am I". Run from a
 * shell inside the user's tmux, TMUX and TMUX_PANE name the user's server and pane; tmux resolves an
 * untargeted command against them, even on another server (`-L`), where that pane id can be ours.
 */
export function tmuxEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && k !== 'TMUX' && k !== 'TMUX_PANE') out[k] = v;
  return out;
}
