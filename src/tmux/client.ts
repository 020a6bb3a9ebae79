import { realpathSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * What agentpool needs from tmux, independent of how commands reach the server: one process per command
 * (exec-client.ts), or one long-lived control-mode client (control-client.ts). Callers hold only this interface.
 */

/** One pane as seen by one `list-panes -a`; pool sessions have exactly one. */
export interface PaneInfo {
  sessionId: string;
  sessionName: string;
  paneId: string;
  panePid: number;
  paneDead: boolean;
  paneDeadStatus: number | null;
  /** The signal that ended the pane's process (e.g. 9 for kill -9), null when it exited by itself. */
  paneDeadSignal: number | null;
  /** The session user options asked for (`@name` → value), '' when unset. */
  options: Record<string, string>;
  /** The tmux server's pid: session ids start again at $0 on a new server. */
  serverPid: number;
}

export interface NewSession {
  name: string;
  cwd: string;
  /** argv, run without a shell. */
  command: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** Session user options, set before the session shows under its name. */
  options: Readonly<Record<string, string>>;
  width?: number;
  height?: number;
}

export interface NewSessionIds {
  sessionId: string;
  paneId: string;
  serverPid: number;
}

export interface Respawn {
  cwd: string;
  command: readonly string[];
  env?: Readonly<Record<string, string>>;
}

export interface TmuxClient {
  /** A description for messages, e.g. `tmux -L agentpool`. */
  readonly label: string;
  /** Every pane on the server in one command, with the session user options named; [] when no server runs. */
  listPanes(options?: readonly string[]): Promise<PaneInfo[]>;
  /**
   * Creates a detached session with remain-on-exit on and the given options; returns its ids. The session
   * never shows under `spec.name` without its options.
   */
  newSession(spec: NewSession): Promise<NewSessionIds>;
  killSession(sessionId: string): Promise<void>;
  /** Sets session user options; an empty value unsets the option. */
  setOptions(sessionId: string, options: Readonly<Record<string, string>>): Promise<void>;
  /** Kills whatever runs in the pane and starts `command` there, with the pane's scrollback cleared. */
  respawnPane(paneId: string, spec: Respawn): Promise<void>;
  /** The pid of the pane's program (the leader of its process group), or null. */
  panePid?(paneId: string): Promise<number | null>;
  /** Puts `text` into a named buffer and pastes it with bracketed paste. */
  pasteText(paneId: string, text: string): Promise<void>;
  /** pasteText of each of `texts` in order, each its own paste: a long task cut in pieces. */
  pasteTexts(paneId: string, texts: readonly string[]): Promise<void>;
  /** Sends named keys (e.g. `Enter`, `C-c`); never text. */
  sendKeys(paneId: string, keys: readonly string[]): Promise<void>;
  /** The visible screen as plain text (joined wrapped lines), and up to `history` lines above it. */
  capturePane(paneId: string, history?: number): Promise<string>;
  /** Ends the server this client talks to. Only for servers agentpool started. */
  killServer(): Promise<void>;
  /**
   * Ends the command channels on this socket whose controller died (they can hold a server that was told
   * to exit, which then refuses everyone); returns their pids. Only this user's, only this socket's.
   */
  endStrayChannels(): Promise<number[]>;
  /**
   * Ends the server's process without asking the server (which may refuse or not answer): the process
   * holding the socket file. Returns its pid, or null when none was found (or the system cannot say).
   */
  endServerProcess(): Promise<number | null>;
  /** Lets go of a long-lived connection, if the transport keeps one. */
  close?(): Promise<void>;
  /** Calls `listener` when the server says its sessions changed, if the transport hears it. */
  onChange?(listener: () => void): void;
}

export type TmuxSocket = { socket: string } | { socketPath: string };

export function socketArgs(s: TmuxSocket): string[] {
  return 'socket' in s ? ['-L', s.socket] : ['-S', s.socketPath];
}

/**
 * The socket file tmux uses for `s`, as tmux 3.x finds it: `-S` is the path itself; `-L NAME` is
 * NAME in `tmux-<uid>` under the real path of $TMUX_TMPDIR (when absolute) or /tmp. One file, one server.
 */
export function socketFile(s: TmuxSocket, env: NodeJS.ProcessEnv = process.env): string {
  if ('socketPath' in s) return resolve(s.socketPath);
  const tmp = env.TMUX_TMPDIR && isAbsolute(env.TMUX_TMPDIR) ? env.TMUX_TMPDIR : '/tmp';
  let base = tmp;
  try {
    base = realpathSync(tmp);
  } catch {
    // tmux gives up on a missing dir too; the lock beside it still names one server
  }
  return join(base, `tmux-${process.getuid?.() ?? 0}`, s.socket);
}
