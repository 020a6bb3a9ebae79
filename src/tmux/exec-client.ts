import { execa } from 'execa';
import { unlink } from 'node:fs/promises';
import { socketArgs, socketFile, type NewSession, type NewSessionIds, type PaneInfo, type Respawn, type TmuxClient, type TmuxSocket } from './client.js';
import { TmuxError, isNoServerMessage } from './errors.js';
import { parseRows, template } from './format.js';
import { withReleasedPipes } from '../util/release-pipes.js';

const PANE_FIELDS = {
  sessionId: 'session_id',
  sessionName: 'session_name',
  paneId: 'pane_id',
  panePid: 'pane_pid',
  paneDead: 'pane_dead',
  paneDeadStatus: 'pane_dead_status',
  paneDeadSignal: 'pane_dead_signal',
  currentCommand: 'pane_current_command',
  serverPid: 'pid',
} as const;
const PANE_KEYS = Object.keys(PANE_FIELDS) as Array<keyof typeof PANE_FIELDS>;

/**
 * tmux reads a word that ends in `;` as a command separator, even in argv. `\;` at the end of a word is a
 * literal `;` (measured on 3.3a), so every word we pass through — paths, models, env values — is escaped.
 */
export function escapeArg(word: string): string {
  return word.endsWith(';') ? `${word.slice(0, -1)}\\;` : word;
}

/** A TmuxClient that runs one `tmux` process per command. Simple and robust; ~4 ms a command. */
export class ExecTmuxClient implements TmuxClient {
  readonly label: string;
  private readonly base: string[];
  /** The environment of every command: the caller's, less TMUX and TMUX_PANE (see tmuxEnv). */
  private readonly env = tmuxEnv();

  /**
   * `timeoutMs`: how long one command may take before its tmux process is killed and the call fails (a
   * server stopped with SIGSTOP or wedged would otherwise hold every caller forever).
   */
  constructor(private readonly socket: TmuxSocket, private readonly binary = 'tmux', private readonly timeoutMs = 10_000) {
    this.base = socketArgs(socket);
    this.label = `${binary} ${this.base.join(' ')}`;
    // The user's ~/.tmux.conf is read only by the command that starts the server; ours starts with none, so
    // nothing in it (hooks, remain-on-exit, base-index, a default-command) changes what agentpool does.
    this.base.push('-f', '/dev/null');
  }

  /** Runs one tmux command line (possibly several commands joined by ';' words); returns stdout. */
  async run(args: readonly string[], input?: string): Promise<string> {
    const full = [...this.base, ...args];
    const child = execa(this.binary, full, {
      reject: false, input, stripFinalNewline: false, env: this.env, extendEnv: false, timeout: this.timeoutMs, forceKillAfterDelay: 500,
    });
    // A tmux client hands its stdout to the server: a stopped server holds the pipe after the client died.
    const r = await withReleasedPipes(child, this.timeoutMs + 1_000);
    if (r.timedOut) {
      throw new TmuxError(
        `${this.label} ${args[0]} got no answer within ${this.timeoutMs / 1000} s: the tmux server is stopped (SIGSTOP, a suspended job) ` +
          `or overloaded; see \`ps -o pid,stat,cmd -C tmux\` (state T is stopped: kill -CONT it, or end it)`,
        this.binary, full, '', undefined, 'timeout', { cause: r },
      );
    }
    if (r.failed) {
      const code = (r as { code?: string }).code;
      if (code === 'ENOENT') {
        throw new TmuxError(
          `the tmux binary "${this.binary}" was not found: install tmux (e.g. apt-get install tmux)`,
          this.binary, full, '', undefined, 'missing-binary', { cause: r },
        );
      }
      const stderr = String(r.stderr ?? '').trim();
      const kind = isNoServerMessage(stderr) ? 'no-server' : 'failed';
      throw new TmuxError(
        `${this.label} ${args[0]} failed${r.exitCode !== undefined ? ` (exit ${r.exitCode})` : ''}: ${stderr || r.shortMessage}`,
        this.binary, full, stderr, r.exitCode, kind, { cause: r },
      );
    }
    return String(r.stdout);
  }

  async listPanes(options: readonly string[] = []): Promise<PaneInfo[]> {
    const keys = [...PANE_KEYS, ...options.map((_, i) => `option${i}`)];
    const args = ['list-panes', '-a', '-F', template([...Object.values(PANE_FIELDS), ...options])];
    let out: string;
    try {
      out = await this.run(args);
    } catch (err) {
      if (err instanceof TmuxError && err.kind === 'no-server') return [];
      throw err;
    }
    let rows = parseRows(out, keys, { command: this.binary, args });
    const unreaped = rows.find((r) => r.paneDead === '1' && r.paneDeadStatus === '' && r.paneDeadSignal === '');
    if (unreaped && (await nudgeServer(Number(unreaped.serverPid)))) {
      rows = parseRows(await this.run(args), keys, { command: this.binary, args });
    }
    return rows.map((r) => ({
      sessionId: r.sessionId!,
      sessionName: r.sessionName!,
      paneId: r.paneId!,
      currentCommand: r.currentCommand!,
      serverPid: Number(r.serverPid),
      options: Object.fromEntries(options.map((o, i) => [o, decodeValue(r[`option${i}`]!)])),
      panePid: Number(r.panePid),
      paneDead: r.paneDead === '1',
      paneDeadStatus: r.paneDeadStatus === '' ? null : Number(r.paneDeadStatus),
      paneDeadSignal: r.paneDeadSignal === '' ? null : Number(r.paneDeadSignal),
    }));
  }

  /**
   * Creates the session under a name no pass takes for a pool name, tags it and sets remain-on-exit by its
   * ids, then renames it: an observer sees either a session it ignores or a tagged one, never a pool name
   * without its tags. Every command names its target by id (an untargeted command resolves "the current
   * pane" from the caller's environment, which can be a pane of another server or a user's own session).
   */
  async newSession(spec: NewSession): Promise<NewSessionIds> {
    const staging = stagingName(spec.name);
    const args = [
      'new-session', '-d', '-P', '-F', template(['session_id', 'pane_id', 'pid']),
      '-s', staging, '-c', spec.cwd,
      '-x', String(spec.width ?? 200), '-y', String(spec.height ?? 50),
      ...envArgs(spec.env),
      '--', ...spec.command.map(escapeArg),
    ];
    const out = await this.run(args).catch(async (err: unknown) => {
      // A staging session left by a controller that died mid-creation (one controller per server: ours).
      if (!(err instanceof TmuxError && /duplicate session/.test(err.stderr))) throw err;
      await this.run(['kill-session', '-t', `=${staging}`]);
      return this.run(args);
    });
    const [row] = parseRows(out, ['sessionId', 'paneId', 'serverPid'] as const, { command: this.binary, args });
    if (!row) throw new TmuxError(`new-session printed no ids`, this.binary, args, '', 0, 'failed');
    try {
      await this.run([
        ...this.setOptionArgs(row.sessionId, spec.options), ';',
        // Before the command can exit, so a dead pane stays to be observed. (The staging command is the
        // caller's; agentpool's idle command does not exit by itself.)
        'set-option', '-w', '-t', row.paneId, 'remain-on-exit', 'on', ';',
        'rename-session', '-t', row.sessionId, escapeArg(spec.name),
      ]);
    } catch (err) {
      await this.killSession(row.sessionId).catch(() => {});
      throw err;
    }
    return { sessionId: row.sessionId, paneId: row.paneId, serverPid: Number(row.serverPid) };
  }

  async killSession(sessionId: string): Promise<void> {
    await this.run(['kill-session', '-t', sessionId]);
  }

  async setOptions(sessionId: string, options: Readonly<Record<string, string>>): Promise<void> {
    const args = this.setOptionArgs(sessionId, options);
    if (args.length) await this.run(args);
  }

  /** `set-option -t <id> ...` joined by `;`, one per option; an empty value unsets. */
  private setOptionArgs(sessionId: string, options: Readonly<Record<string, string>>): string[] {
    return Object.entries(options).flatMap(([k, v], i) => [
      ...(i ? [';'] : []),
      ...(v === '' ? ['set-option', '-u', '-t', sessionId, k] : ['set-option', '-t', sessionId, k, escapeArg(encodeValue(v))]),
    ]);
  }

  async respawnPane(paneId: string, spec: Respawn): Promise<void> {
    // One tmux command line: the new program, and the old one's scrollback gone with it.
    await this.run(['respawn-pane', '-k', '-t', paneId, '-c', spec.cwd, ...envArgs(spec.env), '--', ...spec.command.map(escapeArg), ';', 'clear-history', '-t', paneId]);
  }

  async pasteText(paneId: string, text: string): Promise<void> {
    const buffer = `agentpool-${paneId.replace(/\W/g, '')}`;
    await this.run(['load-buffer', '-b', buffer, '-'], text);
    await this.run(['paste-buffer', '-p', '-d', '-b', buffer, '-t', paneId]);
  }

  async sendKeys(paneId: string, keys: readonly string[]): Promise<void> {
    await this.run(['send-keys', '-t', paneId, ...keys.map(escapeArg)]);
  }

  async capturePane(paneId: string, history = 0): Promise<string> {
    return this.run(['capture-pane', '-p', '-J', ...(history > 0 ? ['-S', `-${history}`] : []), '-t', paneId]);
  }

  async killServer(): Promise<void> {
    try {
      await this.run(['kill-server']);
    } catch (err) {
      if (!(err instanceof TmuxError && err.kind === 'no-server')) throw err;
    }
    // tmux leaves its socket file behind; a server we ended leaves nothing.
    await unlink(socketFile(this.socket)).catch(() => {});
  }
}

/**
 * tmux linked with libutempter can miss the SIGCHLD of a pane whose program exits right after its
 * terminal closes (tmux/tmux#311): the pane shows dead with no status until the server gets another
 * SIGCHLD. Sending one to our own server makes it reap the child and record the status.
 */
async function nudgeServer(pid: number): Promise<boolean> {
  if (!(pid > 1)) return false;
  try {
    process.kill(pid, 'SIGCHLD');
  } catch {
    return false;
  }
  await new Promise((r) => setTimeout(r, 5));
  return true;
}

/**
 * Option values are stored percent-encoded: a task path may hold a newline or our field separator, and
 * list-panes output is parsed line by line. (tmux also expands `#{...}` in some contexts; `#` is encoded.)
 */
function encodeValue(v: string): string {
  return encodeURIComponent(v);
}

function decodeValue(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
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

/** The name a session is created under before it is tagged and renamed: never a pool name. */
export function stagingName(name: string): string {
  return `${name}~creating`;
}

function envArgs(env: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(env ?? {}).flatMap(([k, v]) => ['-e', escapeArg(`${k}=${v}`)]);
}
