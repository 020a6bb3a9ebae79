import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentProfile } from '../config/types.js';
import { EMPTY_SUMMARY, summarizeEvents, type HookSummary } from './events.js';
import { readOwnedFileAt } from './private-files.js';

/** The package root (where dist/ and schemas/ live), from this file's own location. */
export const AGENTPOOL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LaunchVars {
  model: string;
  settings: string;
  session: string;
  eventsFile: string;
  project: string;
  agentSessionId: string;
  /** True when the task resumes `agentSessionId` instead of starting it. */
  resume: boolean;
  /** The agent's hooks as its CLI takes them in argv (Codex: a config override), or ''. */
  hooks?: string;
  /** The message, for profiles that take it in argv (`{prompt}`), and the file holding it (`{promptFile}`). */
  prompt?: string;
  promptFile?: string;
}

/**
 * Pure: a profile's argv and env templates and the values of one launch → the argv and env to start it
 * with. Text never passes a shell.
 */
export function buildLaunch(profile: AgentProfile, v: LaunchVars): { argv: string[]; env: Record<string, string> } {
  const values: Record<string, string> = {
    model: v.model,
    settings: v.settings,
    session: v.session,
    eventsFile: v.eventsFile,
    project: v.project,
    agentSessionId: v.agentSessionId,
    hooks: v.hooks ?? '',
    prompt: v.prompt ?? '',
    promptFile: v.promptFile ?? '',
    agentpoolDir: AGENTPOOL_DIR,
    node: process.execPath,
  };
  const fill = (word: string) => word.replace(/\{(\w+)\}/g, (all, k: string) => values[k] ?? all);
  const argv = profile.command.flatMap((word) =>
    word === '{...sessionArgs}' ? (v.resume ? profile.resumeArgs : profile.newSessionArgs).map(fill) : [fill(word)],
  );
  return { argv, env: Object.fromEntries(Object.entries(profile.env).map(([k, val]) => [k, fill(val)])) };
}

/** Where a pool session's agentpool files live under the state directory. */
export function sessionFiles(stateDir: string, session: string): { dir: string; settings: string; events: string; prompt: string } {
  const dir = join(stateDir, 'sessions', session);
  return { dir, settings: join(dir, 'settings.json'), events: join(dir, 'events.jsonl'), prompt: join(dir, 'prompt.md') };
}

/**
 * What the hook events of a session's current agent say. Throws NotOursError for an events file that is
 * not a regular file of ours; a missing file says nothing yet.
 */
export async function readHookSummary(stateDir: string, session: string): Promise<HookSummary> {
  const file = await readOwnedFileAt(sessionFiles(stateDir, session).events);
  return file?.text ? { ...summarizeEvents(file.text), lastEventAt: file.changedAt } : EMPTY_SUMMARY;
}

/**
 * The command line an agent's hooks run: agentpool's hook script (src/agents/hook.sh), which appends the
 * event's payload to `eventsFile`. The CLI runs it through a shell; only our own paths go in it, quoted.
 */
export function hookCommand(eventsFile: string): string {
  return ['/bin/sh', join(AGENTPOOL_DIR, 'src', 'agents', 'hook.sh'), eventsFile].map(shellQuote).join(' ');
}

/** The hook command is run by the agent through a shell; only our own paths go in it, quoted. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The seed's message: `[<task file name>] <body>` plus the instruction suffix. Line ends become LF (tmux
 * turns LF into CR inside a bracketed paste and agents turn it back; a CR of the file's own would not
 * survive) and other control characters go: an ESC could end the bracketed paste early and turn the rest
 * of the task into keystrokes.
 */
export function buildMessage(taskName: string, body: string, suffix: string, emptyBodyText: string): string {
  const text = `[${taskName}] ${body.trim() === '' ? emptyBodyText : body}${suffix}`;
  return text.replace(/\r\n?/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}
