import type { Logger } from 'pino';
import type { ScreenReading } from '../agents/screen.js';
import type { SessionBackend } from '../backend/session-backend.js';
import type { AgentProfile, DialogAnswer, DriverKind } from '../config/types.js';
import type { SlotState, Verdict } from '../machines/types.js';

/**
 * The port through which the controller talks to one kind of agent CLI: how to launch it, what it is
 * saying, whether it finished, how to hand it a task with proof that it arrived, how to make it exit. One
 * implementation per kind of signal (src/drivers/index.ts); drivers reach the session only through the
 * SessionBackend, so they know nothing of tmux, and the reconciler knows nothing of their formats.
 */
export interface AgentDriver {
  readonly kind: DriverKind;
  /** Writes the files the agent needs for one launch and returns its argv and env. */
  prepare(c: DriverContext, launch: LaunchSpec): Promise<Launch>;
  /** What the agent says now, for a slot in `at.state`; the screen is read only where a decision needs it. */
  read(c: DriverContext, io: AgentIO, at: ReadAt): Promise<AgentSignals>;
  /**
   * Pure: how long a slot in `state` may go without a look when nothing wakes the controller (its events
   * file, its session coming or going), in ms; null when those triggers and the resync are enough. Where
   * it is not null, `read` in that state reads the screen: what only the screen shows is seen this soon.
   */
  pollMs(state: SlotState, profile: AgentProfile): number | null;
  /** Pure: whether a working agent has ended its task, and how; null while it works. */
  verdict(profile: AgentProfile, sig: AgentSignals | undefined, proc: AgentProcess, now: number): Verdict | null;
  /** Hands a ready agent its message and returns once the agent proved it took it, or why it did not. */
  submit(c: DriverContext, io: AgentIO, message: string): Promise<{ ok: true; presses: number } | { ok: false; reason: string }>;
  /** Answers one dialog the profile knows; true once it is gone. */
  answer(c: DriverContext, io: AgentIO, answer: DialogAnswer): Promise<boolean>;
  /** Asks the agent to exit (answering dialogs in the way); true when it did. */
  stop(c: DriverContext, io: AgentIO): Promise<boolean>;
  /** What the agent said about its own session, for the task's record. */
  identity(c: DriverContext): Promise<{ agentSessionId?: string; transcriptPath?: string }>;
}

/** Who is asking: the profile that launched the agent, its pool session, and agentpool's state folder. */
export interface DriverContext {
  profile: AgentProfile;
  session: string;
  stateDir: string;
  log: Logger;
}

/** The agent's session, through the backend. */
export interface AgentIO {
  backend: SessionBackend;
  ref: string;
}

export interface LaunchSpec {
  model: string;
  project: string;
  agentSessionId: string;
  /** True when the task resumes `agentSessionId` instead of starting it. */
  resume: boolean;
  /** The message, for profiles that take it in their argv (`{prompt}`, `{promptFile}`). */
  message?: string;
}

export interface ReadAt {
  state: SlotState;
  dead: boolean;
  /** The verdict's cause of a stopping slot: a prompt timeout's reason quotes the dialog showing. */
  cause?: Verdict['cause'];
}

/** What to start: the argv, and the profile's env with its placeholders filled. */
export interface Launch {
  argv: string[];
  env: Record<string, string>;
}

/** The agent program's process, as the backend sees it. */
export interface AgentProcess {
  dead: boolean;
  status: number | null;
  signal: number | null;
}

/** What an agent is telling us, in the drivers' common terms. */
export interface AgentSignals {
  /** The agent confirmed that it took a prompt (Claude: a UserPromptSubmit hook event). */
  prompted: boolean;
  /** What the agent's own event channel said of its current turn; null for a driver without one (the screen driver). */
  turn: AgentTurn | null;
  screen: ScreenReading | null;
  screenText: string | null;
  /** Why a signal could not be read (an events file that is not ours), for the pass's blind spots. */
  problem?: string;
}

/**
 * How the agent's current turn (the one its last prompt began) ended, in the drivers' common terms; {} while
 * it runs. When both are set, the turn failed.
 */
export interface AgentTurn {
  /**
   * The turn ended: the agent's last message, and what it said it still runs (shells, subagents). While
   * anything still runs, the task is not finished: the agent takes their results in a later turn.
   */
  ended?: { lastMessage: string; stillRunning: string[] };
  /** The turn failed: the agent's error in its own words, whether that error is a usage or rate limit, and its last message. */
  failed?: { error: string; limited: boolean; lastMessage: string };
}
