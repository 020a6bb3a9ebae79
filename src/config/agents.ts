import { SHIPPED_PROFILES } from './profiles.js';
import type { AgentProfile } from './types.js';
import type { RawAgent } from './raw.js';
import { parseDuration } from './duration.js';
import { addSandbox, sandboxSettings } from './sandbox.js';

/** The profile an entry builds on: its `extends`, else the shipped profile of the same name, else generic. */
export function agentBaseName(name: string, entry: RawAgent): string {
  return entry.extends ?? (Object.hasOwn(SHIPPED_PROFILES, name) ? name : 'generic');
}

function ms(text: string | undefined, fallback: number): number {
  return text === undefined ? fallback : parseDuration(text);
}

/** One entry on top of its base: lists replace, `env`/`models`/`screen`/`exit` merge key by key. */
function overlay(name: string, base: AgentProfile, e: RawAgent): AgentProfile {
  const b = structuredClone(base); // callers may mutate their profiles; never share the shipped ones
  return {
    name,
    command: e.command ?? b.command,
    env: { ...b.env, ...e.env },
    models: { ...b.models, ...e.models },
    resumeArgs: e.resumeArgs ?? b.resumeArgs,
    newSessionArgs: e.newSessionArgs ?? b.newSessionArgs,
    driver: e.driver ?? (e.hooks === undefined ? b.driver : e.hooks ? 'claude-hooks' : 'screen'),
    done: e.done ?? b.done,
    screen: { ...b.screen, ...e.screen },
    answers: e.answers
      ? e.answers.map((a) => ({ name: a.name, match: a.match, ...(a.choose !== undefined ? { choose: a.choose } : { keys: [...(a.keys ?? [])] }) }))
      : b.answers,
    folderTrust: e.folderTrust ?? b.folderTrust,
    pasteChunk: e.pasteChunk === undefined ? b.pasteChunk : e.pasteChunk,
    exit: {
      text: e.exit?.text ?? b.exit.text,
      keys: e.exit?.keys ?? b.exit.keys,
      timeoutMs: ms(e.exit?.timeout, b.exit.timeoutMs),
    },
    promptTimeoutMs: ms(e.promptTimeout, b.promptTimeoutMs),
    submitVerifyMs: ms(e.submitVerify, b.submitVerifyMs),
    enterDelayMs: ms(e.enterDelay, b.enterDelayMs),
    submitRetries: e.submitRetries ?? b.submitRetries,
    taskTimeoutMs: ms(e.taskTimeout, b.taskTimeoutMs),
    sandbox: addSandbox(b.sandbox, sandboxSettings(e.sandbox)),
  };
}

/**
 * The shipped profiles with the file's entries applied in file order, so an entry can extend one defined
 * above it. An `extends` that names nothing known falls back to generic here; the semantic rules reject
 * such a config, so that fallback is never seen by callers.
 */
export function mergeAgents(entries: Record<string, RawAgent> = {}): Record<string, AgentProfile> {
  const out: Record<string, AgentProfile> = structuredClone(SHIPPED_PROFILES);
  for (const [name, entry] of Object.entries(entries)) {
    const base = out[agentBaseName(name, entry)] ?? SHIPPED_PROFILES.generic!;
    out[name] = overlay(name, base, entry);
  }
  return out;
}

/** True when the argv template hands the task over itself, so nothing is pasted. */
export function deliversInArgv(command: readonly string[]): boolean {
  return command.some((w) => w.includes('{prompt}') || w.includes('{promptFile}'));
}
