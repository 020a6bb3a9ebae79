/**
 * The YAML-shaped config, as schemas/desired-state.schema.json accepts it. Only src/config sees this type:
 * everything else reads the normalized `DesiredState` (./types.ts). It is trusted only after ajv said yes.
 */
import type { BranchPolicy, DriverKind, FleetRole, NotifyEvent, SandboxMode, TmuxTransport, WorktreeKeep } from './types.js';

/** A duration string such as "30s" (see ./duration.ts). */
export type RawDuration = string;

export interface RawAgent {
  extends?: string;
  command?: string[];
  env?: Record<string, string>;
  models?: { critical?: string; high?: string; default?: string; low?: string };
  resumeArgs?: string[];
  newSessionArgs?: string[];
  /** The older spelling of `driver`: true is claude-hooks, false is screen. */
  hooks?: boolean;
  driver?: DriverKind;
  done?: 'hook' | 'exit' | 'idle';
  screen?: { ready?: string[]; dialog?: string[]; busy?: string[]; error?: string[]; rateLimit?: string[] };
  answers?: Array<{ name: string; match: string; choose?: string; keys?: string[] }>;
  folderTrust?: 'claude-json' | 'none';
  pasteChunk?: { chars: number; newlines: number } | null;
  exit?: { text?: string; keys?: string[]; timeout?: RawDuration };
  promptTimeout?: RawDuration;
  submitVerify?: RawDuration;
  enterDelay?: RawDuration;
  submitRetries?: number;
  taskTimeout?: RawDuration;
  sandbox?: RawSandbox;
}

export type RawSandbox = SandboxMode | { mode?: SandboxMode; allow?: string[]; write?: string[]; hide?: string[] };

export interface RawConfig {
  tmux?: { socket?: string; socketPath?: string; transport?: TmuxTransport };
  pool: {
    prefix?: string;
    startIndex?: number;
    size: number;
    agent?: string;
    prewarm?: boolean | number;
    maxConcurrentPerProject?: number | null;
    sandbox?: RawSandbox;
    cooldown?: { afterTask?: RawDuration; afterFailure?: RawDuration };
  };
  projects?: Array<{
    path: string; inbox?: string; name?: string; agent?: string; trust?: boolean; maxConcurrent?: number | null; sandbox?: RawSandbox;
    budget?: { day?: RawLimit };
    isolation?: 'none' | 'worktree';
    worktree?: { baseRef?: string; keep?: WorktreeKeep; commit?: 'auto' | 'off'; branches?: BranchPolicy };
  }>;
  dedicated?: string[];
  agents?: Record<string, RawAgent>;
  tasks?: {
    maxAttempts?: number;
    retryBackoff?: RawDuration;
    maxBytes?: number;
    settle?: RawDuration;
    instructionSuffix?: string;
    emptyBodyText?: string;
    resumeIdDir?: string | null;
    timeZone?: string;
  };
  notify?: { command: string[]; on?: NotifyEvent[]; timeout?: RawDuration };
  controller?: { resync?: RawDuration; stateDir?: string; metrics?: string; web?: string; webInput?: boolean };
  fleet?: { redis?: string; sentinels?: string[]; name?: string; host?: string; role?: FleetRole; lock?: string; agents?: string[] };
  budgets?: { day?: RawLimit; task?: RawLimit; timeZone?: string };
  costs?: {
    pricesDate?: string;
    prices?: Array<{ model: string; input: number; output: number; cacheWrite5m?: number; cacheWrite1h?: number; cacheRead?: number; above?: { tokens: number; input: number; output: number; cacheWrite5m?: number; cacheWrite1h?: number; cacheRead?: number } }>;
  };
}

/** A path into the YAML document: map keys and sequence indexes, e.g. ['projects', 1, 'path']. */
export type DocPath = ReadonlyArray<string | number>;

/** A spending limit as written: money, tokens, or both. */
export interface RawLimit {
  cost?: number;
  tokens?: number;
}
