import { exists } from './fs.js';

/**
 * git as agentpool runs it: argv only (no shell), in a given folder, never asking a person anything
 * (no terminal prompt, no editor, no pager), in the C locale so its words can be read. Failures come back
 * as a GitError whose message is git's own, with the command that said it.
 */
const ENV = {
  LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true', GIT_PAGER: 'cat', GIT_OPTIONAL_LOCKS: '0',
  // Nothing an agent could have planted runs when agentpool runs git after it (commit leftovers, diffstat):
  // no hooks, no fsmonitor program, whatever a repository's config says (these win over every config file).
  GIT_CONFIG_COUNT: '2', GIT_CONFIG_KEY_0: 'core.hooksPath', GIT_CONFIG_VALUE_0: '/dev/null', GIT_CONFIG_KEY_1: 'core.fsmonitor', GIT_CONFIG_VALUE_1: 'false',
};
/** A git command that takes this long is stuck (a lock held elsewhere, a hook waiting for input). */
const TIMEOUT_MS = 60_000;

export class GitError extends Error {
  constructor(readonly args: readonly string[], readonly cwd: string, readonly stderr: string) {
    super(`git ${args.join(' ')} (in ${cwd}): ${stderr.trim().split('\n').slice(-3).join(' ') || 'failed'}`);
  }
}

/** Runs `git <args>` in `cwd` and returns its stdout; throws GitError when it fails. */
export async function git(cwd: string, args: readonly string[]): Promise<string> {
  // Loaded on the first git command: a command that reads the config only does not pay for execa.
  const { execa } = await import('execa');
  const r = await execa('git', args, { cwd, env: ENV, reject: false, stdin: 'ignore', timeout: TIMEOUT_MS, stripFinalNewline: true });
  if (r.exitCode !== 0 || r.failed) throw new GitError(args, cwd, r.stderr || r.message || '');
  return r.stdout;
}

/** `git <args>` that may fail: its stdout, or null. For questions like "is there such a branch?". */
export async function gitMaybe(cwd: string, args: readonly string[]): Promise<string | null> {
  return git(cwd, args).catch((err: unknown) => {
    if (err instanceof GitError) return null;
    throw err;
  });
}

/**
 * Why `folder` cannot hold task worktrees, or null when it can (or when it does not exist: a missing
 * project is reported by every pass, like any other). A repository without a commit yet can (its tasks
 * fail with that reason until it has one). The config loader asks this and hands the answers to the
 * config rules, which fork nothing.
 */
export async function notARepository(folder: string): Promise<string | null> {
  if (!(await exists(folder))) return null;
  const { execa } = await import('execa');
  const r = await execa('git', ['rev-parse', '--show-toplevel'], { cwd: folder, env: ENV, reject: false, stdin: 'ignore', timeout: TIMEOUT_MS });
  if (r.exitCode === 0) return null;
  const e = r as unknown as { code?: string; cause?: { code?: string } };
  if (e.code === 'ENOENT' || e.cause?.code === 'ENOENT') {
    return 'git is not installed (isolation: worktree needs it)';
  }
  const said = String(r.stderr ?? '').trim().split('\n')[0] ?? '';
  return `${folder} is not a git repository${said ? ` (git: ${said})` : ''}`;
}
