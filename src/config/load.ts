import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatConfigError, type ConfigError, type ConfigResult, type DesiredState } from './types.js';
import { parseDocument } from 'yaml';
import { stateDirFor, worktreeFolders } from './normalize.js';
import { parseConfig, processEnv } from './parse.js';
import { notARepository } from '../util/git.js';

/**
 * Reads and parses a config file. Never throws for a missing or unreadable file: that becomes one
 * ConfigError about the file as a whole (line 0), so the CLI has a single way to report them.
 */
export async function loadConfigFile(file: string): Promise<ConfigResult> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const fix =
      code === 'ENOENT' ? 'there is no such file: create it, pass --config FILE, or set AGENTPOOL_CONFIG to its path'
      : code === 'EACCES' ? 'check its permissions, or pass --config FILE'
      : 'pass the path of a readable YAML file with --config FILE';
    return { errors: [{ file: abs, line: 0, col: 0, path: '', message: `cannot read the config file (${code}): ${fix}` }] };
  }
  return parseConfig(text, abs, { ...processEnv(), repositories: await repositoryFacts(text) });
}

/**
 * What git says of the folder of each project with isolation: worktree, asked here so the pipeline forks
 * nothing. A file that does not parse names none: the pipeline reports it before any rule runs.
 */
async function repositoryFacts(text: string): Promise<Record<string, string | null>> {
  let data: unknown;
  try {
    data = parseDocument(text).toJS();
  } catch {
    return {};
  }
  const folders = worktreeFolders(data);
  return Object.fromEntries(await Promise.all(folders.map(async (f) => [f, await notARepository(f)] as const)));
}

/** Where the config is when none is given: $AGENTPOOL_CONFIG if set, else ./desired-state.yaml. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const fromEnv = env.AGENTPOOL_CONFIG;
  return fromEnv ? path.resolve(cwd, fromEnv) : path.join(cwd, 'desired-state.yaml');
}

export class ConfigInvalidError extends Error {
  constructor(readonly errors: ConfigError[]) {
    super(errors.map(formatConfigError).join('\n'));
  }
}

/** Loads the config or throws ConfigInvalidError with every FILE:LINE:COL error. */
export async function loadDesired(file: string): Promise<DesiredState> {
  const r = await loadConfigFile(file);
  if ('errors' in r) throw new ConfigInvalidError(r.errors);
  return r.value;
}

/**
 * agentpool's state folder for a config file that may not be valid: read from its `tmux` and
 * `controller.stateDir` keys alone. Null when the file cannot be read or names neither.
 */
export async function stateDirOfFile(file: string): Promise<string | null> {
  const abs = path.resolve(file);
  const text = await readFile(abs, 'utf8').catch(() => null);
  if (text === null) return null;
  const data: unknown = parseDocument(text).toJS();
  return data !== null && typeof data === 'object' ? stateDirFor(data as Parameters<typeof stateDirFor>[0], abs, processEnv()) : null;
}
