import { unlink } from 'node:fs/promises';
import { socketFile, type NewSession, type NewSessionIds, type PaneInfo, type Respawn, type TmuxClient, type TmuxSocket } from './client.js';
import { TmuxError } from './errors.js';
import { endStrayChannels, findServer } from './strays.js';
import { endProcess } from '../util/pid.js';
import { parseRows, template } from './format.js';

/** No pane_current_command: tmux reads /proc for each pane to print it, a third of a 1,000-pane listing. */
const PANE_FIELDS = {
  sessionId: 'session_id',
  sessionName: 'session_name',
  paneId: 'pane_id',
  panePid: 'pane_pid',
  paneDead: 'pane_dead',
  paneDeadStatus: 'pane_dead_status',
  paneDeadSignal: 'pane_dead_signal',
  serverPid: 'pid',
} as const;
const PANE_KEYS = Object.keys(PANE_FIELDS) as Array<keyof typeof PANE_FIELDS>;

/**
 * The tmux commands agentpool runs, whatever carries them to the server: a process per command
 * (exec-client.ts) or one long-lived control-mode client (control-client.ts). A transport supplies `run`
 * (one command, its output), `runAll` (several, in order, stopping at the first that fails) and
 * `loadBuffer`; words are passed as they are and each transport quotes them its own way.
 */
export abstract class TmuxCommands implements TmuxClient {
  abstract readonly label: string;
  protected readonly binary: string = 'tmux';

  constructor(protected readonly socket: TmuxSocket) {}

  /** Runs one tmux command; returns what it printed. */
  protected abstract run(args: readonly string[]): Promise<string>;
  /** Runs commands in order; the first that fails throws and the ones after it do not run. */
  protected abstract runAll(commands: ReadonlyArray<readonly string[]>): Promise<void>;
  /** Puts `text` into the named buffer, never through a command line that could cut or read it. */
  protected abstract loadBuffer(name: string, text: string): Promise<void>;

  async listPanes(options: readonly string[] = []): Promise<PaneInfo[]> {
    const keys = [...PANE_KEYS, ...options.map((_, i) => `option${i}`)];
    const args = ['list-panes', '-a', '-F', template([...Object.values(PANE_FIELDS), ...options])];
    let out: string;
    try {
      out = await this.run(args);
    } catch (err) {
      // A server whose last session just went answers `-a` with "no current target" as it exits: no panes.
      if (err instanceof TmuxError && (err.kind === 'no-server' || err.stderr === 'no current target')) return [];
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
      '--', ...spec.command,
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
      await this.runAll([
        ...this.setOptionCommands(row.sessionId, spec.options),
        // Before the command can exit, so a dead pane stays to be observed. (The staging command is the
        // caller's; agentpool's idle command does not exit by itself.)
        ['set-option', '-w', '-t', row.paneId, 'remain-on-exit', 'on'],
        // A control client attached to this session moves to another when it goes, instead of ending.
        ['set-option', '-t', row.sessionId, 'detach-on-destroy', 'off'],
        ['rename-session', '-t', row.sessionId, spec.name],
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
    const commands = this.setOptionCommands(sessionId, options);
    if (commands.length) await this.runAll(commands);
  }

  /** `set-option -t <id> ...`, one per option; an empty value unsets. */
  private setOptionCommands(sessionId: string, options: Readonly<Record<string, string>>): string[][] {
    return Object.entries(options).map(([k, v]) =>
      v === '' ? ['set-option', '-u', '-t', sessionId, k] : ['set-option', '-t', sessionId, k, encodeValue(v)],
    );
  }

  async panePid(paneId: string): Promise<number | null> {
    // Nothing for a dead pane: its pid may belong to another program by now.
    const out = await this.run(['display-message', '-p', '-t', paneId, '#{?pane_dead,,#{pane_pid}}']);
    const pid = Number(out.trim());
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  }

  async respawnPane(paneId: string, spec: Respawn): Promise<void> {
    // The new program, and the old one's scrollback gone with it.
    await this.runAll([['respawn-pane', '-k', '-t', paneId, '-c', spec.cwd, ...envArgs(spec.env), '--', ...spec.command], ['clear-history', '-t', paneId]]);
  }

  async pasteText(paneId: string, text: string): Promise<void> {
    const buffer = pasteBuffer(paneId);
    await this.loadBuffer(buffer, text);
    await this.run(['paste-buffer', '-p', '-d', '-b', buffer, '-t', paneId]);
  }

  async pasteTexts(paneId: string, texts: readonly string[]): Promise<void> {
    for (const text of texts) await this.pasteText(paneId, text);
  }

  async sendKeys(paneId: string, keys: readonly string[]): Promise<void> {
    await this.run(['send-keys', '-t', paneId, ...keys]);
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

  endStrayChannels(): Promise<number[]> {
    return endStrayChannels(this.socket);
  }

  async endServerProcess(): Promise<number | null> {
    const pid = await findServer(this.socket);
    if (pid === null) return null;
    await endProcess(pid, 2_000);
    await unlink(socketFile(this.socket)).catch(() => {});
    return pid;
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

/** The buffer a paste into `paneId` goes through (one per pane: pastes into two panes never mix). */
export function pasteBuffer(paneId: string): string {
  return `agentpool-${paneId.replace(/\W/g, '')}`;
}

/** The name a session is created under before it is tagged and renamed: never a pool name. */
export function stagingName(name: string): string {
  return `${name}~creating`;
}

/** Whether `name` is a session still being made (by us, or by a controller that died making it). */
export function isStagingName(name: string): boolean {
  return name.endsWith('~creating');
}

function envArgs(env: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
}
