import type { ModelPrice } from '../costs/prices.js';
/**
 * The normalized desired state: what the rest of agentpool reads. Produced only by the config pipeline
 * (src/config/parse.ts); the YAML-shaped input type lives next to the schema and is never used outside
 * src/config.
 */

export const PRIORITIES = ['critical', 'high', 'default', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/**
 * Every way of driving an agent a profile may name in `driver:`, the one table of them, with what the kind
 * tells of the CLI it drives: src/drivers/ keys its drivers by it, and the schema's enum (agents.*.driver)
 * equals its kinds (test/config/driver-kinds.test.ts).
 */
export const DRIVER_TABLE = {
  'claude-hooks': { claudeCode: true, hooks: { placeholder: '{settings}', in: 'command', how: 'add --settings, "{settings}"' } },
  'codex-hooks': { claudeCode: false, hooks: { placeholder: '{hooks}', in: 'command', how: 'add "-c", "{hooks}" and --dangerously-bypass-hook-trust' } },
  'gemini-hooks': { claudeCode: false, hooks: { placeholder: '{settings}', in: 'env', how: 'set env GEMINI_CLI_SYSTEM_SETTINGS_PATH: "{settings}"' } },
  screen: { claudeCode: false, hooks: null },
} as const satisfies Record<string, DriverKindFacts>;
export type DriverKind = keyof typeof DRIVER_TABLE;
export const DRIVER_KINDS = Object.keys(DRIVER_TABLE) as DriverKind[];

export interface DriverKindFacts {
  /**
   * A profile of this kind runs Claude Code, so a task that needs it (`needs_claude_code: true`) may run on
   * it. Only Claude Code's hooks say so; a profile that drives it by its screen is not known to run it.
   */
  claudeCode: boolean;
  /**
   * For a kind that learns of prompts and turns from the CLI's hooks: where a profile must pass their wiring
   * for them to run (the config check names what is missing; src/drivers/ fills the placeholder). null: no hooks.
   */
  hooks: { placeholder: '{settings}' | '{hooks}'; in: 'command' | 'env'; how: string } | null;
}

/** done: a task went to done/; failed: to failed/; stuck: an attempt ended by a prompt or task timeout. */
export type NotifyEvent = 'done' | 'failed' | 'stuck';

/** How an agent profile tells that the agent is ready, busy, done, failed or rate-limited. */
export type SandboxMode = 'auto' | 'on' | 'off';

export type FleetRole = 'front-door' | 'host' | 'both';

/** Fleet mode: where the queue's Redis is, this host's name in the fleet and what it does there. */
export interface FleetSpec {
  redis: { host: string; port: number } | { sentinels: Array<{ host: string; port: number }>; name: string };
  host: string;
  role: FleetRole;
  /** How long a host holds a job without renewing its lock (BullMQ's lockDuration). */
  lockMs: number;
  /** The agent profiles whose queues this host takes jobs from; null: the pool's agent. */
  agents: string[] | null;
}

/**
 * `sandbox:` at one level (pool, agent, project): its mode if it sets one, and its lists (`~` is the agent's
 * HOME). src/sandbox/ reads the levels of one launch together: the narrowest mode wins, the lists add up.
 */
export interface SandboxSettings {
  mode?: SandboxMode;
  /** Loopback host:port the agent may connect to. */
  allow: string[];
  /** More paths it may write. */
  write: string[];
  /** More paths it may not read. */
  hide: string[];
}

export interface AgentProfile {
  name: string;
  /**
   * argv template, run without a shell in the task's project directory. Placeholders inside an element:
   * `{model}`, `{settings}` (hook settings file), `{hooks}` (the hooks as a Codex config override),
   * `{session}` (pool session name), `{eventsFile}`, `{agentSessionId}`, `{prompt}`, `{promptFile}`,
   * `{project}`, `{agentpoolDir}` (this package's root), `{node}` (the running node binary).
   * An element that is exactly `{...sessionArgs}` expands to `resumeArgs` when the task resumes an agent
   * session and to `newSessionArgs` otherwise.
   */
  command: string[];
  /** Added to the agent's environment; values take the command's placeholders. */
  env: Record<string, string>;
  /** Model per task priority. */
  models: Record<Priority, string>;
  /** e.g. ["--resume", "{agentSessionId}"]. */
  resumeArgs: string[];
  /** e.g. ["--session-id", "{agentSessionId}"]; empty when the agent cannot be given an id. */
  newSessionArgs: string[];
  /**
   * How agentpool talks to the agent (src/drivers/): `claude-hooks`, `codex-hooks` and `gemini-hooks`
   * inject that CLI's hooks and read their events; `screen` reads the screen only. (`hooks: true|false` in a
   * config file is the older spelling of these two.)
   */
  driver: DriverKind;
  /** How "done" is detected when no hook says so: the process exits, or the screen goes idle. */
  done: 'hook' | 'exit' | 'idle';
  /** Screen patterns (JavaScript regular expressions, multiline) — the fallback and for dialogs. */
  screen: {
    ready: string[];
    /** A screen matching one of these is a dialog/menu, never a ready prompt, even if `ready` matches. */
    dialog: string[];
    busy: string[];
    error: string[];
    rateLimit: string[];
  };
  /**
   * Dialogs the profile answers by itself, first match wins: while agentpool waits for the ready prompt
   * (planned as `answer-dialog` actions, so a dry run shows them) and before it types the exit text. A
   * dialog without an entry here is left to a person (and the prompt timeout).
   */
  answers: DialogAnswer[];
  /** Where the agent keeps folder trust, for projects with `trust: true`. */
  folderTrust: 'claude-json' | 'none';
  /**
   * A task is pasted in pieces within these limits (null: in one paste), so the agent never collapses it
   * into a placeholder and submits it altered (Claude Code 2.1.330 wraps a long paste in tags).
   */
  pasteChunk: { chars: number; newlines: number } | null;
  /** Keys/text that make the agent exit by itself (e.g. "/exit" then Enter). */
  exit: { text: string; keys: string[]; timeoutMs: number };
  promptTimeoutMs: number;
  /** How long to wait for proof that a pasted prompt was taken before pressing Enter again. */
  submitVerifyMs: number;
  /** How long the screen must stay the same after a paste before Enter is pressed; 0: as soon as the paste shows. */
  enterDelayMs: number;
  submitRetries: number;
  taskTimeoutMs: number;
  /** What the agent's CLI must write besides its project (its own state), and the profile's other sandbox settings. */
  sandbox: SandboxSettings;
}

/**
 * One dialog a profile answers: when the screen matches `match`, pick the menu option `choose` (by its
 * text; the cursor is moved there and Enter pressed only once it is on it), or send `keys` as they are.
 * Exactly one of the two is set.
 */
export interface DialogAnswer {
  /** A short name for logs and dry runs, e.g. `trust-folder`. */
  name: string;
  /** A JavaScript regular expression (flag m) on the visible screen that recognises the dialog. */
  match: string;
  choose?: string;
  keys?: string[];
}

export interface ProjectSpec {
  /** Absolute path of the project (the agent's working directory). */
  path: string;
  /** Absolute path of the inbox; defaults to <path>/.agent-queue/inbox. */
  inbox: string;
  /** Short name for logs; defaults to the last path segment. */
  name: string;
  /** The agent profile for this project's tasks; null: the pool's. */
  agent: string | null;
  /** Record folder trust in the agent's own settings before launching there (the profile's `folderTrust`). */
  trust: boolean;
  /** The most of its tasks running at once (its own, else pool.maxConcurrentPerProject); null: no limit. */
  maxConcurrent: number | null;
  /** The project's own `sandbox:` (src/sandbox/ adds the agent's and the pool's). */
  sandbox: SandboxSettings;
  /** What this project's tasks may spend a day (`budget.day`); null: only the pool's limit. */
  budget: { day: Limit | null };
  /**
   * Fleet mode (src/fleet/overlay.ts, never from the YAML): `front-door`, its tasks go to the fleet's queue
   * instead of this pool's slots; `checkout`, a host's clone of a project whose tasks came from the queue.
   */
  fleet?: 'front-door' | 'checkout';
  /**
   * none: agents work in the project folder itself. worktree: each task attempt gets its own git worktree
   * under the state directory, on a new branch agentpool/<task> (src/git/worktree.ts).
   */
  isolation: 'none' | 'worktree';
  worktree: {
    /** The commit a task's branch starts from; null: the project's HEAD when the task is launched. */
    baseRef: string | null;
    /** Which worktrees stay when their attempt ends. */
    keep: WorktreeKeep;
    /** auto: what the agent left uncommitted is committed with the task's title when the attempt ends. */
    commit: 'auto' | 'off';
    /** Which branches go once their worktree is gone: ones without commits; also merged ones (on prune); none. */
    branches: BranchPolicy;
  };
}

/** control: one long-lived `tmux -C` client; exec: one `tmux` process per command. */
export type TmuxTransport = 'control' | 'exec';

export type WorktreeKeep = 'failed' | 'always' | 'never';
export type BranchPolicy = 'delete-empty' | 'delete-merged' | 'keep';

/** A limit on what agents may consume: money (the price table's currency), tokens, or both. */
export interface Limit {
  cost: number | null;
  tokens: number | null;
}

/** `costs:` (README: What each task cost): the config's own prices, before the shipped ones. */
/** `budgets:` (README: What each task cost): what agents may spend. */
export interface BudgetsSpec {
  /** What the whole pool may spend a day (null: no limit); a project's own is its `budget.day`. */
  day: Limit | null;
  /** The time zone a day is counted in (default tasks.timeZone). */
  timeZone: string;
  /** What one task may spend across its attempts (null: no cap): past it, its agent is stopped and the task parked. */
  task: Limit | null;
}

export interface CostsSpec {
  prices: ModelPrice[];
  /** When the config's prices were taken (default: the shipped table's date). */
  pricesDate: string | null;
}

export interface DesiredState {
  /** The config file this came from (absolute), for messages. */
  file: string;
  /** The server (a socket name or path) and how the controller talks to it. */
  tmux: ({ socket: string } | { socketPath: string }) & { transport: TmuxTransport };
  pool: {
    prefix: string;
    startIndex: number;
    size: number;
    /** Name of the agent profile in `agents`. */
    agent: string;
    /**
     * At most this many agents started ahead of their tasks, waiting at their prompt (see reconciler/warm.ts);
     * 0 for none. `prewarm: true` in the file is the pool's size, `false` is 0.
     */
    prewarm: number;
    /** The most tasks of one project running at once, for projects that set no `maxConcurrent`; null: no limit. */
    maxConcurrentPerProject: number | null;
    /** The pool's `sandbox:`, its mode always set (the default's when the file leaves it out). */
    sandbox: SandboxSettings & { mode: SandboxMode };
    cooldown: { afterTaskMs: number; afterFailureMs: number };
  };
  /** Shipped profiles (claude, generic, fake) merged with the file's own `agents:`. */
  agents: Record<string, AgentProfile>;
  projects: ProjectSpec[];
  dedicated: string[];
  tasks: {
    maxAttempts: number;
    /** Base delay before a retry; doubles per attempt. */
    retryBackoffMs: number;
    /** Files larger than this go to failed/. */
    maxBytes: number;
    /** A file written in place is taken once it has not changed for this long. */
    settleMs: number;
    /** Appended to every message sent to an agent. */
    instructionSuffix: string;
    /** Sent instead of the body when the task body is empty. */
    emptyBodyText: string;
    /** The IANA time zone a task's `not_before:` is read in (the machine's own by default). */
    timeZone: string;
    /** Use the seed's one-shot resume id files: <dir>/<session>-resume-id.txt. */
    resumeIdDir: string | null;
  };
  /** A command run on the events in `on`, with the task's record on stdin; null when none is configured. */
  notify: { command: string[]; on: NotifyEvent[]; timeoutMs: number } | null;
  controller: {
    resyncMs: number;
    /** Where agentpool keeps its own files (hook settings, event files, lock). 0700. */
    stateDir: string;
    /** Where Prometheus metrics are served (src/metrics/); null: not served. */
    metrics: { host: string; port: number } | null;
    /** Where the controller serves the web dashboard (src/web/); null: not served (agentpool web does). */
    web: { host: string; port: number } | null;
    /** Whether a logged-in dashboard page may take control of a pane and type into it (logged); off by default. */
    webInput: boolean;
  };
  /** Fleet mode (src/fleet/); null: one host, as without a `fleet:` section. */
  fleet: FleetSpec | null;
  costs: CostsSpec;
  budgets: BudgetsSpec;
}

export interface ConfigError {
  file: string;
  /** 1-based; 0 when the error is about the file as a whole (it cannot be read). */
  line: number;
  col: number;
  /** JSON-pointer-ish path in the document, e.g. `pool.size` or `projects[1].path`. */
  path: string;
  message: string;
}

export type ConfigResult = { value: DesiredState } | { errors: ConfigError[] };

/** `FILE:LINE:COL: PATH: MESSAGE`, the one format every config error is shown in (`FILE: MESSAGE` for the file as a whole). */
export function formatConfigError(e: ConfigError): string {
  if (e.line === 0) return `${e.file}: ${e.message}`;
  return `${e.file}:${e.line}:${e.col}: ${e.path || '(root)'}: ${e.message}`;
}
