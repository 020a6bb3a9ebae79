/**
 * What agentpool needs from tmux, independent of how commands reach the server: one process per command
 * (exec-client.ts) today, a long-lived control-mode client later. Callers hold only this interface.
 */

/** The session user options agentpool writes on sessions it owns; they are the durable state. */
export const OPT = {
  pool: '@agentpool-pool',
  slot: '@agentpool-slot',
  task: '@agentpool-task',
  state: '@agentpool-state',
  until: '@agentpool-until',
} as const;

/** One pane as seen by one `list-panes -a`; pool sessions have exactly one. */
export interface PaneInfo {
  sessionId: string;
  sessionName: string;
  paneId: string;
  panePid: number;
  paneDead: boolean;
  paneDeadStatus: number | null;
  currentCommand: string;
  /** `@agentpool-pool` of the session, '' when unowned. */
  pool: string;
  slot: string;
  task: string;
  state: string;
  until: string;
}

export interface NewSession {
  name: string;
  cwd: string;
  /** argv, run without a shell. */
  command: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** Session user options set atomically with the creation. */
  options: Readonly<Record<string, string>>;
  width?: number;
  height?: number;
}

export interface Respawn {
  cwd: string;
  command: readonly string[];
  env?: Readonly<Record<string, string>>;
}

export interface TmuxClient {
  /** A description for messages, e.g. `tmux -L agentpool`. */
  readonly label: string;
  /** Every pane on the server in one command; [] when no server is running. */
  listPanes(): Promise<PaneInfo[]>;
  /** Creates a detached session with remain-on-exit on and the given options; returns its ids. */
  newSession(spec: NewSession): Promise<{ sessionId: string; paneId: string }>;
  killSession(sessionId: string): Promise<void>;
  /** Sets session user options; an empty value unsets the option. */
  setOptions(sessionId: string, options: Readonly<Record<string, string>>): Promise<void>;
  /** Kills whatever runs in the pane and starts `command` there. */
  respawnPane(paneId: string, spec: Respawn): Promise<void>;
  /** Puts `text` into a named buffer (never through argv) and pastes it with bracketed paste. */
  pasteText(paneId: string, text: string): Promise<void>;
  /** Sends named keys (e.g. `Enter`, `C-c`); never text. */
  sendKeys(paneId: string, keys: readonly string[]): Promise<void>;
  /** The visible screen as plain text (joined wrapped lines). */
  capturePane(paneId: string): Promise<string>;
  /** Ends the server this client talks to. Only for servers agentpool started. */
  killServer(): Promise<void>;
}

export type TmuxSocket = { socket: string } | { socketPath: string };

export function socketArgs(s: TmuxSocket): [string, string] {
  return 'socket' in s ? ['-L', s.socket] : ['-S', s.socketPath];
}
