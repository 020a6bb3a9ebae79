/**
 * The port through which the controller acts on sessions, whatever hosts them: tmux today (tmux.ts), a
 * tmux control-mode client, remote hosts or Pods later. A slot's session is named by the pool and known by
 * an opaque `ref` that only the backend that gave it reads. Backends know nothing of agents or tasks.
 */

/** What agentpool keeps on a session: who owns it, and the slot's durable state. '' when unset. */
export interface SlotTags {
  pool: string;
  slot: string;
  state: string;
  task: string;
  until: string;
  /** The agent profile that launched the session's current agent. */
  agent: string;
}

export const TAG_NAMES = ['pool', 'slot', 'state', 'task', 'until', 'agent'] as const satisfies ReadonlyArray<keyof SlotTags>;

/** One session as listed: its name, ref, tags and the state of the program it runs. */
export interface BackendSession {
  name: string;
  ref: string;
  tags: SlotTags;
  /**
   * The program's process: dead with its exit status or signal once it ended (the session stays); `pid`
   * where the host is this machine.
   */
  process: { dead: boolean; status: number | null; signal: number | null; pid?: number };
  /** Created by this backend (this process): ours even if its tags were lost. */
  createdHere: boolean;
}

/** A program to run in a session: argv (never through a shell), its environment and working folder. */
export interface Program {
  argv: readonly string[];
  env?: Readonly<Record<string, string>>;
  cwd: string;
}

export interface SessionBackend {
  /** A description for messages, e.g. `tmux -L agentpool`. */
  readonly label: string;
  /** Every session the backend hosts (ours and others', which are never changed). */
  list(): Promise<BackendSession[]>;
  /** A new session running the idle program, never visible under `name` without `tags`. */
  create(name: string, tags: Partial<SlotTags>): Promise<string>;
  destroy(ref: string): Promise<void>;
  /** Ends whatever runs in the session and starts `program` there. */
  start(ref: string, program: Program): Promise<void>;
  /** Ends whatever runs in the session and gives it back its idle program. */
  rest(ref: string): Promise<void>;
  /**
   * Types each of `pieces` into the program as a paste of its own, in order (never as keys: no character is
   * a command). A long task comes in pieces the agent takes as typed (a profile's pasteChunk).
   */
  deliver(ref: string, pieces: readonly string[]): Promise<void>;
  /** Sends named keys (`Enter`, `Escape`, `C-c`, `Down`). */
  sendKeys(ref: string, keys: readonly string[]): Promise<void>;
  /** The visible screen as plain text; with `history`, up to that many lines scrolled off above it too. */
  readScreen(ref: string, o?: { history?: number }): Promise<string>;
  /** Writes tags; an empty value removes one. */
  setTags(ref: string, tags: Partial<SlotTags>): Promise<void>;
  /** Lets go of what the backend holds open (a control-mode client); the next call opens it again. */
  close?(): Promise<void>;
  /**
   * Ends what keeps the host from answering, without asking the host (it may refuse or not answer):
   * `strays`, what controllers that died left attached to it (harmless to everything else); `restart`,
   * the host's server itself, with every session on it (the next call starts a new one). Returns what it
   * did, a sentence each; [] when there was nothing to do.
   */
  repair?(how: Repair): Promise<string[]>;
  /**
   * Ends the host and everything it runs, ours and anyone else's (tmux: its server, and the socket file it
   * leaves); a host that is not running is already ended. Only for a host agentpool started for itself
   * alone (the demo's private tmux server), never a user's.
   */
  endHost(): Promise<void>;
  /** Calls `listener` when the host says its sessions changed (a tmux control-mode notification). */
  onChange?(listener: () => void): void;
}

export type Repair = 'strays' | 'restart';

/**
 * A backend call that failed. `unavailable`: nothing will work until a person fixes what `message` says
 * (the tmux binary is missing); `timeout`: the host did not answer within the call's deadline; `failed`:
 * this call failed.
 */
export class BackendError extends Error {
  override readonly name = 'BackendError';
  constructor(message: string, readonly kind: 'unavailable' | 'timeout' | 'failed', options?: { cause?: unknown }) {
    super(message, options);
  }
}
