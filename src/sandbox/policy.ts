import { addSandbox } from '../config/sandbox.js';
import type { AgentProfile, DesiredState, ProjectSpec, SandboxMode, SandboxSettings } from '../config/types.js';

/**
 * Credentials and keys in HOME an agent never reads, whatever the config adds (`sandbox.hide`). The list
 * of the usual places; a file or folder that is not there is skipped.
 */
export const HIDDEN_IN_HOME = [
  '.ssh', '.aws', '.gnupg', '.config/gcloud', '.docker', '.kube', '.netrc', '.git-credentials', '.config/gh',
  '.npmrc', '.pypirc', '.cargo/credentials', '.cargo/credentials.toml', '.azure', '.terraform.d', '.vault-token',
] as const;

/**
 * Where package managers keep their caches, each pointed at the attempt's own cache folder (a variable
 * the agent's environment already sets is left alone): HOME is read-only in the sandbox, and the user's
 * own caches must not be writable to it (npx runs what its cache holds).
 */
export const CACHE_VARS = [
  ['npm_config_cache', 'npm'], ['npm_config_store_dir', 'pnpm'], ['YARN_CACHE_FOLDER', 'yarn'], ['BUN_INSTALL_CACHE_DIR', 'bun'],
  ['PIP_CACHE_DIR', 'pip'], ['UV_CACHE_DIR', 'uv'], ['GOMODCACHE', 'go-mod'], ['GOCACHE', 'go-build'],
] as const;

/** The sandbox of one launch: the pool's, the agent's and the project's settings; the narrowest mode wins, the lists add up. */
export function sandboxFor(d: DesiredState, profile: AgentProfile, project: ProjectSpec | undefined): SandboxSettings & { mode: SandboxMode } {
  const all = addSandbox(addSandbox(d.pool.sandbox, profile.sandbox), project?.sandbox ?? { allow: [], write: [], hide: [] });
  return { ...all, mode: project?.sandbox.mode ?? profile.sandbox.mode ?? d.pool.sandbox.mode };
}

/**
 * Whether a launch in that mode runs sandboxed, given why the sandbox cannot start here (null: it can):
 * `yes`, `no` (off, or auto without a working sandbox), or `refuse` (on without one).
 */
export function sandboxDecision(mode: SandboxMode, problem: string | null): 'yes' | 'no' | 'refuse' {
  if (mode === 'off') return 'no';
  if (problem === null) return 'yes';
  return mode === 'on' ? 'refuse' : 'no';
}

/** The sandbox modes the config sets, at any level. */
export function sandboxModes(d: DesiredState): SandboxMode[] {
  const modes = [d.pool.sandbox.mode, ...d.projects.map((p) => p.sandbox.mode), ...Object.values(d.agents).map((a) => a.sandbox.mode)];
  return [...new Set(modes.filter((m): m is SandboxMode => m !== undefined))];
}

/** sandboxDecision for a launch of `profile` in the project at `projectPath` (the plan's and the dry run's question). */
export function launchDecision(d: DesiredState, profile: AgentProfile, projectPath: string, problem: string | null): 'yes' | 'no' | 'refuse' {
  return sandboxDecision(sandboxFor(d, profile, d.projects.find((p) => p.path === projectPath)).mode, problem);
}

/** Whether any launch of the config may want a sandbox (a mode other than off at some level). */
export function wantsSandbox(d: DesiredState): boolean {
  return sandboxModes(d).some((m) => m !== 'off');
}
