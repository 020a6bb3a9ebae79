import { readFile, stat } from 'node:fs/promises';
import { parseTask } from './parse.js';
import type { DesiredState } from '../config/types.js';
import type { ParsedTask } from './types.js';

/** The rules a task file must meet to run at all: those the scan applies in the inbox, and a retry and a launch again. */
export interface TaskRules {
  /** tasks.maxBytes. */
  maxBytes: number;
  /** The agent profiles a task may name (`agent:`); unchecked when absent. */
  agents?: ReadonlySet<string>;
  /** The time zone a task's `not_before:` is read in (tasks.timeZone); the machine's own when absent. */
  timeZone?: string;
}

/** The rules from the config: every pass's scan, a retry and a launch judge a task by the same ones. */
export function taskRules(d: DesiredState): Required<TaskRules> {
  return { maxBytes: d.tasks.maxBytes, agents: new Set(Object.keys(d.agents)), timeZone: d.tasks.timeZone };
}

/** Why a file of `size` bytes is too big to be a task, or null. */
export function overLimit(size: number, maxBytes: number): string | null {
  return size > maxBytes ? `the file is ${size} bytes, over the limit of ${maxBytes} (tasks.maxBytes): split it or raise the limit` : null;
}

/** Why a task naming `agent` cannot run with the config's `agents`, or null. */
export function unknownAgent(agent: string | undefined, agents: ReadonlySet<string> | undefined): string | null {
  if (agent === undefined || !agents || agents.has(agent)) return null;
  return `the task asks for agent "${agent}", which the config does not define; use one of ${[...agents].sort().join(', ')}`;
}

/**
 * Reads the task at `path` and says whether it can run: within tasks.maxBytes, readable, its front matter
 * sound and its agent one the config defines. What fails here is the task's fault, never its session's.
 */
export async function checkTask(path: string, rules: TaskRules): Promise<{ ok: true; task: ParsedTask } | { ok: false; reason: string }> {
  let bytes: Buffer;
  try {
    const big = overLimit((await stat(path)).size, rules.maxBytes);
    if (big) return { ok: false, reason: big };
    bytes = await readFile(path);
  } catch (err) {
    return { ok: false, reason: `the file cannot be read: ${(err as Error).message}` };
  }
  const parsed = parseTask(bytes);
  if (!parsed.ok) return parsed;
  const unknown = unknownAgent(parsed.task.meta.agent, rules.agents);
  return unknown ? { ok: false, reason: unknown } : { ok: true, task: parsed.task };
}
