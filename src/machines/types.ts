/** Plain data about one pool slot's machine, as the planner and the status command see it. */

export const SLOT_STATES = ['absent', 'idle', 'warming', 'ready', 'launching', 'awaitingPrompt', 'working', 'stopping', 'cooldown'] as const;
export type SlotState = (typeof SLOT_STATES)[number];

/** How a task ended for this session; the planner turns it into file moves and a cooldown. */
export interface Verdict {
  /**
   * interrupted: a controller restart could not prove the prompt arrived; resend to a fresh agent.
   * cancelled: a person asked (`agentpool cancel`); the task goes to failed/ without a retry.
   * parked: the task spent its cap (budgets.task); it waits for `agentpool resume`, neither failed nor retried.
   */
  outcome: 'done' | 'failed' | 'limited' | 'interrupted' | 'cancelled' | 'parked';
  /** A sentence a person can act on (for failures) or a short summary (for done). */
  reason: string;
  /** For `limited`: when the limit resets (epoch ms), if the agent said. */
  until?: number;
  /** For `done`: the agent's last message, when known. */
  lastMessage?: string;
  /** Set when a timer ended the attempt, so the reason can say what the agent showed or still ran then. */
  cause?: 'prompt-timeout' | 'task-timeout';
  /**
   * The task itself can never run (too big, unreadable, naming an unknown agent): it fails at once, without
   * a retry, and its session takes the next task without a cooldown (the session did nothing wrong).
   */
  taskFault?: true;
}

export interface SlotContext {
  session: string;
  /** Absolute path of the claimed task file in active/, while the slot has one. */
  task: string | null;
  /** Epoch ms when the current timed state ends (prompt timeout, task timeout, cooldown end). */
  deadline: number | null;
  /** The agent profile that launched the slot's current agent: its rules apply until that agent is gone. */
  agent: string | null;
  /** The agent started ahead of a task (prewarm): where, with which model and agent session, since when. */
  warm: WarmAgent | null;
  /** Set when the pool shrank past this slot: finish the task, then go. */
  draining: boolean;
  verdict: Verdict | null;
}

/** An agent started before its task, in one project's folder with one model, waiting at its ready prompt. */
export interface WarmAgent {
  project: string;
  model: string;
  agentSessionId: string;
  launchedAt: number;
  /** It runs in a sandbox (src/sandbox/). */
  sandboxed?: boolean;
  /** For a project with isolation: worktree, the worktree made for it ahead, detached at the base commit. */
  worktree?: { repo: string; path: string; base: string; cwd: string };
}

export interface SlotView extends SlotContext {
  state: SlotState;
}

/** The state names as users see them in logs and status. */
export const STATE_LABEL: Record<SlotState, string> = {
  absent: 'absent',
  idle: 'idle',
  warming: 'warming',
  ready: 'ready',
  launching: 'launching',
  awaitingPrompt: 'awaiting-prompt',
  working: 'working',
  stopping: 'stopping',
  cooldown: 'cooldown',
};
