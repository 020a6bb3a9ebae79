import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentProfile } from '../config/types.js';
import { EMPTY_SUMMARY, summarizeEvents, type HookSummary } from './events.js';
import { readOwnedFile } from './private-files.js';

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
  /** The message, for profiles that take it in argv (`{prompt}`), and the file holding it (`{promptFile}`). */
  prompt?: string;
  promptFile?: string;
}

/** Pure: a profile's argv template and the values of one launch → argv. Text never passes a shell. */
export function buildArgv(profile: AgentProfile, v: LaunchVars): string[] {
  const values: Record<string, string> = {
    model: v.model,
    settings: v.settings,
    session: v.session,
    eventsFile: v.eventsFile,
    project: v.project,
    agentSessionId: v.agentSessionId,
    prompt: v.prompt ?? '',
    promptFile: v.promptFile ?? '',
    agentpoolDir: AGENTPOOL_DIR,
    node: process.execPath,
  };
  const fill = (word: string) => word.replace(/\{(\w+)\}/g, (all, k: string) => values[k] ?? all);
  return profile.command.flatMap((word) =>
    word === '{...sessionArgs}' ? (v.resume ? profile.resumeArgs : profile.newSessionArgs).map(fill) : [fill(word)],
  );
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
  const text = await readOwnedFile(sessionFiles(stateDir, session).events);
  return text ? summarizeEvents(text) : EMPTY_SUMMARY;
}

/**
 * Claude Code settings whose hooks append every event of interest to `eventsFile`. They also turn off the
 * CLI's own continuation after a usage limit: agentpool cools the session down and runs the task again.
 */
export function hookSettings(eventsFile: string): object {
  const command = [process.execPath, join(AGENTPOOL_DIR, 'dist', 'agents', 'hook.js'), eventsFile].map(shellQuote).join(' ');
  const entry = [{ hooks: [{ type: 'command', command }] }];
  return {
    autoContinueAtUsageLimit: false,
    hooks: Object.fromEntries(['SessionStart', 'UserPromptSubmit', 'Stop', 'StopFailure', 'Notification'].map((e) => [e, entry])),
  };
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
