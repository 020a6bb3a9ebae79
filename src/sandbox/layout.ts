import { lstat, mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { DesiredState, ProjectSpec, SandboxSettings } from '../config/types.js';
import { expandHome } from '../config/normalize.js';
import { AGENTPOOL_DIR, sessionFiles } from '../agents/launch.js';
import { socketFile } from '../tmux/client.js';
import type { SandboxLayout } from './bwrap.js';
import { CACHE_VARS, HIDDEN_IN_HOME } from './policy.js';

export interface LayoutInput {
  d: DesiredState;
  settings: SandboxSettings;
  project: ProjectSpec | undefined;
  session: string;
  /** Where the agent runs, and the folder it may write: the task's worktree, or the project's folder. */
  cwd: string;
  root: string;
  /** The agent's HOME (its profile's env, else the controller's). */
  home: string;
  /** What the agent's profile sets in its environment (a cache it names stays where it says). */
  env?: Record<string, string | undefined>;
}

/**
 * Where one sandboxed agent may write, what it may not read and which addresses it may reach, as paths
 * that exist now (bubblewrap needs each one): I/O, then src/sandbox/bwrap.ts lays it out.
 * - writable: its folder (a worktree, with the part of the main repository's .git a commit on its own
 *   branch writes: its worktree's admin folder, the objects, refs/heads/agentpool/), its CLI's own state
 *   (`write`), its session's hook-events file, its package managers' caches (CACHE_VARS);
 *   /tmp is its own;
 * - hidden: the state folder (its session's files come back read-only), the pool's tmux socket folder, the
 *   other projects' folders, credentials in HOME and `hide`.
 */
export async function sandboxLayout(o: LayoutInput): Promise<SandboxLayout> {
  const { d, settings } = o;
  const files = sessionFiles(d.controller.stateDir, o.session);
  const net = join(files.dir, 'net');
  await mkdir(net, { recursive: true, mode: 0o700 });
  // What the last attempt's proxy refused was saved with it (src/reconciler/attempt-log.ts): this one starts empty.
  await writeFile(deniedLog(d.controller.stateDir, o.session), '', { mode: 0o600 });
  // The package managers' caches: the attempt's own, on disk, emptied as it starts (one task cannot plant
  // a package for the next).
  const cache = join(files.dir, 'cache');
  await rm(cache, { recursive: true, force: true });
  await mkdir(cache, { mode: 0o700 });
  const env = CACHE_VARS.filter(([name]) => o.env?.[name] === undefined).map(([name, sub]): [string, string] => [name, join(cache, sub)]);
  const home = (p: string) => resolve(expandHome(p, o.home));
  const git = await worktreeGit(o.root);
  // Not net/: its sockets are made outside, and connecting to one needs no write. An agent that could write
  // there could bind a socket before its relay, or leave a symlink where agentpool writes.
  const writable = [o.root, ...git.writable, ...settings.write.map(home), files.events, cache];
  // /tmp is the agent's own (empty): what it reads there is bound back, read-only — its project and
  // repository, HOME (its secrets hidden below), agentpool itself (the hook script, a CLI installed beside it).
  const readable = [files.dir, ...(o.project ? [o.project.path] : []), ...git.readable, o.home, AGENTPOOL_DIR];
  // A hidden path that is a symlink (~/.ssh → /data/keys) is hidden where it leads.
  const hidden = await realPaths([
    d.controller.stateDir,
    dirname(socketFile(d.tmux)),
    ...d.projects.filter((p) => p.path !== o.project?.path && !o.root.startsWith(`${p.path}/`)).map((p) => p.path),
    ...HIDDEN_IN_HOME.map((p) => join(o.home, p)),
    ...settings.hide.map(home),
  ]);
  const kinds = await Promise.all([...writable, ...readable, ...hidden].map(async (p) => [p, isAbsolute(p) ? await kindOf(p) : null] as const));
  const kind = new Map(kinds);
  const local = settings.allow.filter(isLoopback);
  const remote = settings.allow.filter((a) => !isLoopback(a));
  const forwards = local.map((a) => {
    const [host, port] = a.split(':') as [string, string];
    return { host, port: Number(port), socket: join(net, `${port}.s`) };
  });
  const taken = new Set(forwards.map((f) => f.port));
  let port = PROXY_PORT;
  while (taken.has(port)) port++;
  const proxy = remote.length
    ? { socket: join(net, 'proxy.s'), allow: remote, port, command: [process.execPath, join(AGENTPOOL_DIR, 'dist', 'sandbox', 'proxy.js')], log: deniedLog(d.controller.stateDir, o.session) }
    : undefined;
  return {
    cwd: o.cwd,
    writable: [...new Set(writable.filter((p) => kind.get(p)))],
    readable: [...new Set(readable.filter((p) => kind.get(p)))],
    hiddenDirs: [...new Set(hidden.filter((p) => kind.get(p) === 'dir'))],
    hiddenFiles: [...new Set(hidden.filter((p) => kind.get(p) === 'file'))],
    forwards,
    env,
    ...(proxy ? { proxy } : {}),
  };
}

/** Where the sandbox's proxy writes the connections it refused, for the attempt's record. */
export function deniedLog(stateDir: string, session: string): string {
  // In the session's folder, which its agent reads and cannot write (not net/, nor any folder it can).
  return join(sessionFiles(stateDir, session).dir, 'denied.log');
}

/** The port the proxy listens on inside a sandbox (HTTPS_PROXY); the next free one if an allowed address has it. */
const PROXY_PORT = 43128;

const isLoopback = (hostPort: string) => /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost):\d+$/.test(hostPort);

/**
 * For a git worktree, what a commit on its branch writes in the main repository's .git: the worktree's
 * admin folder, the objects and agentpool's branch folder (refs and their logs). Its config, its hooks and
 * every other branch stay read-only. Nothing for a folder that is not a worktree.
 */
async function worktreeGit(root: string): Promise<{ writable: string[]; readable: string[] }> {
  const pointer = await readFile(join(root, '.git'), 'utf8').catch(() => null);
  const m = pointer && /^gitdir: (.+)$/m.exec(pointer);
  if (!m) return { writable: [], readable: [] };
  const admin = resolve(root, m[1]!.trim());
  const common = resolve(admin, (await readFile(join(admin, 'commondir'), 'utf8').catch(() => '../..')).trim());
  const branches = [join(common, 'refs', 'heads', 'agentpool'), join(common, 'logs', 'refs', 'heads', 'agentpool')];
  await Promise.all(branches.map((b) => mkdir(b, { recursive: true })));
  return { writable: [admin, join(common, 'objects'), ...branches], readable: [common] };
}

async function realPaths(paths: string[]): Promise<string[]> {
  return Promise.all(paths.map((p) => (isAbsolute(p) ? realpath(p).catch(() => p) : p)));
}

async function kindOf(path: string): Promise<'dir' | 'file' | null> {
  const st = await lstat(path).catch(() => null);
  return st?.isDirectory() ? 'dir' : st?.isFile() ? 'file' : null;
}
