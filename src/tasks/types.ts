import type { AttemptUsage, TaskUsage, UnknownUsage } from '../costs/usage.js';
import type { Limit } from '../config/types.js';
import type { Priority } from '../config/types.js';

/**
 * Where an attempt works (src/git/worktree.ts makes it); kept in the task's sidecar before the agent starts.
 */
export interface Worktree {
  /** The repository's top folder (of its main working tree). */
  repo: string;
  path: string;
  branch: string;
  /** The commit the branch starts from. */
  base: string;
  /** Where the agent runs: the project's folder inside the worktree. */
  cwd: string;
  /** Files changed in the main working tree when the worktree was made: they are not in it. */
  mainTreeChanges: number;
}

/** What an attempt did on its branch. */
export interface WorktreeReport {
  branch: string;
  base: string;
  /** The branch's commit now; null when the branch was never made. */
  head: string | null;
  commits: Array<{ sha: string; subject: string }>;
  diffstat: { files: number; insertions: number; deletions: number };
  /** Files changed in the worktree and not on a commit. */
  uncommitted: number;
}

/** What a task file says about itself (its YAML front matter). */
export interface TaskMeta {
  title?: string;
  priority: Priority;
  tags: string[];
  needsClaudeCode?: boolean;
  /** The agent profile the task asks for (`agent:` in the front matter). */
  agent?: string;
  /** An agent session id to resume (`resume:` in the front matter). */
  resume?: string;
  /** The model to run it with (`model:`), instead of the one its agent profile names for its priority. */
  model?: string;
  /** Tasks that must be in done/ before this one runs (`after:`): `a.md` in its own project, `project/a.md`. */
  after?: string[];
  /** `after_failed: run`: a failed task of `after` does not fail this one; it runs once they are settled. */
  afterFailed?: 'run';
  /** Not before this time (`not_before:`, as written; src/tasks/schedule.ts reads it). */
  notBefore?: string;
  /** Its own task timeout (`timeout:`), instead of its agent profile's. */
  timeoutMs?: number;
  /** The commit, branch or tag its worktree starts from (`base:`), instead of the project's worktree.baseRef. */
  base?: string;
  /** Every other front-matter key, kept as is. */
  extra: Record<string, unknown>;
}

export interface ParsedTask {
  meta: TaskMeta;
  body: string;
}

/** A task that may be dispatched: a settled file in an inbox, or one in active/ waiting for a retry. */
export interface PendingTask {
  /** Absolute path of the file now. */
  path: string;
  project: string;
  /** The task's file name, e.g. `fix-login.md`. */
  name: string;
  priority: Priority;
  /** Epoch ms the task arrived (the inbox file's mtime); orders tasks of one priority. */
  arrivedAt: number;
  /** Attempts already made. */
  attempts: number;
  /** Not before this time (retry backoff); 0 for none. */
  notBefore: number;
  where: 'inbox' | 'active';
  /** The task continues an agent session (`resume:` in its front matter): it needs an agent launched for it. */
  resume?: true;
  /** The agent profile it asks for (`agent:`), else its project's, else the pool's. */
  agent?: string;
  /** Runs only on a Claude Code profile (`needs_claude_code: true`, as the older dispatcher had it). */
  needsClaudeCode?: true;
  /** The model it asks for (`model:`), instead of its agent profile's for its priority. */
  model?: string;
  /** Its own task timeout (`timeout:`). */
  timeoutMs?: number;
  /** Tasks that must be in done/ first (`after:`, as written: `a.md` or `project/a.md`). */
  after?: string[];
  /** A failed task of `after` does not fail this one (`after_failed: run`). */
  afterFailed?: 'run';
  /** A retry parked when its cap was spent: it waits for `agentpool resume` (Sidecar.parked). */
  parked?: { at: number; reason: string };
}

/** A file in an inbox that can never run, with the reason. */
export interface RejectedTask {
  path: string;
  project: string;
  name: string;
  reason: string;
}

/** Durable state of a claimed task: the JSON sidecar next to it in active/. */
export interface Sidecar {
  version: 1;
  task: string;
  project: string;
  title?: string;
  priority: Priority;
  /** What the task asked of its agent (front matter), kept for its retries. */
  agent?: string;
  needsClaudeCode?: true;
  /** The model the task asked for (`model:`); `model` is the one its session ran. */
  askedModel?: string;
  /** The task's own timeout (`timeout:`). */
  timeoutMs?: number;
  /** What it waits for (`after:`, `after_failed: run`): a retry waits for them again. */
  after?: string[];
  afterFailed?: 'run';
  arrivedAt: number;
  attempts: number;
  /**
   * queued: waiting for a (re)try; claimed → launched → submitting → submitted: with a session.
   * `submitting` is written before the paste: after a crash it means "delivery not proven".
   */
  state: 'queued' | 'claimed' | 'launched' | 'submitting' | 'submitted';
  session: string | null;
  model: string | null;
  agentSessionId: string | null;
  transcriptPath: string | null;
  claimedAt: number | null;
  launchedAt: number | null;
  submittedAt: number | null;
  /** The attempt's agent ran in a sandbox (src/sandbox/); absent before any launch. */
  sandboxed?: boolean;
  notBefore: number;
  /** The attempt's own git worktree (projects with isolation: worktree), named here before it is made. */
  worktree?: Worktree | null;
  /** Set by `agentpool cancel` before its agent is stopped: the task ends in failed/ whatever comes next. */
  cancel?: { at: number; reason: string };
  /**
   * Fleet mode, on the front door: the task is the job `job` of the fleet's queue `queue` (added at
   * `addedAt`; null: not yet, or Redis did not take it), and a host runs it. No slot of this pool does.
   */
  fleet?: { queue: string; job: string; addedAt: number | null; agent: string; model: string };
  /** Fleet mode: the host whose agent ran the attempt that ended it. */
  host?: string;
  /** Its own cap (`agentpool resume --budget`), instead of budgets.task. */
  cap?: Limit;
  /** Its cap was spent while its agent worked: it waits for `agentpool resume`, not failed, not retried. */
  parked?: { at: number; reason: string };
  /** The agent session its next launch continues (`agentpool resume`), so the work done is not paid twice. */
  resumeAgentSession?: string;
  /** One entry per ended attempt. */
  history: HistoryEntry[];
}

export interface HistoryEntry {
  attempt: number;
  session: string | null;
  outcome: string;
  reason: string;
  at: number;
  /** The attempt's branch and where its worktree went. */
  git?: { branch: string; head: string | null; worktree: string; kept: boolean };
  /** The agent's pane output as the attempt ended (agentpool logs). */
  log?: string;
  /** What the attempt consumed, read from what its CLI wrote (src/costs/), or why that is unknown. */
  usage?: AttemptUsage | UnknownUsage;
}

/** What an attempt in its own worktree did, in the task's result record. */
export interface GitRecord extends WorktreeReport {
  /** The worktree's folder; `kept` says whether it is still there. */
  worktree: string;
  kept: boolean;
  /** Files changed in the project's main working tree when the worktree was made (not carried over). */
  mainTreeChanges: number;
  /** The commit agentpool made of what the agent left uncommitted (commit: auto), or null. */
  autoCommit: string | null;
  /** The branch was deleted with the worktree: the attempt made no commit on it (worktree.branches). */
  branchDeleted?: true;
}

/** A task in active/, with its sidecar. */
export interface ActiveTask {
  path: string;
  project: string;
  name: string;
  sidecar: Sidecar;
}

/** The record written next to a task in done/ or failed/. */
export interface ResultRecord extends Omit<Sidecar, 'state'> {
  outcome: 'done' | 'failed';
  reason: string;
  finishedAt: number;
  lastMessage?: string;
  git?: GitRecord;
  /** What the task consumed across its attempts (each attempt's own is in its history entry). */
  usage?: TaskUsage;
}
