import { readFile, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { serially } from '../util/serial.js';

/**
 * Folder trust the way Claude Code itself stores it, for projects whose config says `trust: true`: an
 * entry `projects[<absolute folder>].hasTrustDialogAccepted = true` in its global config file, which is
 * `$CLAUDE_CONFIG_DIR/.claude.json` when that is set, else `~/.claude.json` (of the HOME the agent runs
 * with). With it the folder-trust question never appears. Only that one key of that one project is
 * written, and only when it is not already true; every other byte of the user's settings is kept.
 */

/** The Claude Code global config file an agent launched with `env` reads. */
export function claudeConfigFile(env: Readonly<Record<string, string | undefined>>): string {
  if (env.CLAUDE_CONFIG_DIR) return join(env.CLAUDE_CONFIG_DIR, '.claude.json');
  return join(env.HOME || homedir(), '.claude.json');
}

/** The folder as Claude Code keys it: the real path of its working directory. */
export async function trustKey(folder: string): Promise<string> {
  return realpath(folder).catch(() => folder);
}

/** True when `folder` is recorded as trusted in `file`. */
export async function isFolderTrusted(file: string, folder: string): Promise<boolean> {
  const config = await readConfig(file);
  const key = await trustKey(folder);
  return config?.projects?.[key]?.hasTrustDialogAccepted === true;
}

/**
 * Records `folder` as trusted in `file` (created when missing). Returns true when it wrote, false when
 * the folder was already trusted. Throws with the reason when the file cannot be read as JSON: a file the
 * user's CLI cannot read either is not ours to replace. Launches run concurrently; our own writes of one
 * file take turns.
 */
export function recordFolderTrust(file: string, folder: string): Promise<boolean> {
  return serially(file, async () => {
    const config = (await readConfig(file)) ?? {};
    const key = await trustKey(folder);
    const projects = (config.projects ??= {});
    const entry = (projects[key] ??= {});
    if (entry.hasTrustDialogAccepted === true) return false;
    entry.hasTrustDialogAccepted = true;
    await writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    return true;
  });
}

interface ClaudeConfig {
  projects?: Record<string, { hasTrustDialogAccepted?: boolean; [k: string]: unknown }>;
  [k: string]: unknown;
}

async function readConfig(file: string): Promise<ClaudeConfig | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (text.trim() === '') return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}); fix it or remove projects[].trust`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${file} does not hold a JSON object; fix it or remove projects[].trust`);
  return v as ClaudeConfig;
}
