import path from 'node:path';
import os from 'node:os';
import type { DesiredState, FleetSpec, Limit, ProjectSpec } from './types.js';
import type { RawConfig, RawLimit } from './raw.js';
import { DEFAULTS } from './defaults.js';
import { parseDuration } from './duration.js';
import { mergeAgents } from './agents.js';
import { sandboxSettings } from './sandbox.js';

/** The only environment the config depends on; passed in so the pipeline stays pure. */
export interface ConfigEnv {
  HOME?: string;
  XDG_STATE_HOME?: string;
  /**
   * What git said of the folder of each project with isolation: worktree (keyed by its resolved path, as in
   * ProjectSpec.path): why it cannot hold task worktrees, or null when it can. The loader asks
   * (src/config/load.ts); a folder not listed here is not checked.
   */
  repositories?: Readonly<Record<string, string | null>>;
}

/** `~` and `~/x` expand to HOME; other names stay (`~user` is not supported). */
export function expandHome(p: string, home: string | undefined): string {
  if (home === undefined) return p; // the rules report a `~` that cannot be expanded
  if (p === '~') return home;
  return p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

/** A directory name for the default stateDir that stands for this tmux server. */
function socketId(tmux: RawConfig['tmux']): string {
  if (tmux?.socketPath !== undefined) return tmux.socketPath.replace(/^\/+/, '').replace(/[^A-Za-z0-9_.-]+/g, '_');
  return tmux?.socket ?? DEFAULTS.tmux.socket;
}

/**
 * Where agentpool keeps its files for a config: `controller.stateDir` resolved against the config file's
 * folder, else a folder per tmux server (the default socket's when it names none); null when those keys are
 * not text. Reads only those keys, so `agentpool status` finds a running controller even while the file has
 * errors elsewhere.
 */
export function stateDirFor(raw: { tmux?: Partial<RawConfig['tmux']>; controller?: RawConfig['controller'] }, file: string, env: ConfigEnv): string | null {
  const dir = raw.controller?.stateDir;
  if (typeof dir === 'string' && dir !== '') return path.resolve(path.dirname(file), expandHome(dir, env.HOME));
  const t = raw.tmux;
  if ((t?.socket !== undefined && typeof t.socket !== 'string') || (t?.socketPath !== undefined && typeof t.socketPath !== 'string')) return null;
  return defaultStateDir(raw as RawConfig, env);
}

function defaultStateDir(raw: RawConfig, env: ConfigEnv): string {
  // XDG says a relative XDG_STATE_HOME is invalid and must be ignored.
  const xdg = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : undefined;
  const base = xdg ?? path.join(env.HOME ?? '~', '.local', 'state');
  return path.join(base, 'agentpool', socketId(raw.tmux));
}

/** `pool.prewarm` as a number of agents: true is every slot, false none. */
function warmCount(prewarm: boolean | number, size: number): number {
  return prewarm === true ? size : prewarm === false ? 0 : prewarm;
}

/**
 * Schema-valid YAML → DesiredState: defaults filled, durations in ms, paths resolved. Total on any input
 * ajv accepted; it checks nothing (that is the rules' job). Relative directories resolve against the
 * config file's directory, the one place a person writing them can see.
 */
export function normalize(raw: RawConfig, file: string, env: ConfigEnv): DesiredState {
  const dir = path.dirname(file);
  const dirPath = (p: string): string => path.resolve(dir, expandHome(p, env.HOME));
  const d = DEFAULTS;
  const t = raw.tasks ?? {};
  const resumeIdDir = t.resumeIdDir === undefined ? d.tasks.resumeIdDir : t.resumeIdDir;
  return {
    file,
    tmux: {
      ...(raw.tmux?.socketPath !== undefined ? { socketPath: path.resolve(raw.tmux.socketPath) } : { socket: raw.tmux?.socket ?? d.tmux.socket }),
      transport: raw.tmux?.transport ?? d.tmux.transport,
    },
    pool: {
      prefix: raw.pool.prefix ?? d.pool.prefix,
      startIndex: raw.pool.startIndex ?? d.pool.startIndex,
      size: raw.pool.size,
      agent: raw.pool.agent ?? d.pool.agent,
      prewarm: warmCount(raw.pool.prewarm ?? d.pool.prewarm, raw.pool.size),
      maxConcurrentPerProject: raw.pool.maxConcurrentPerProject ?? d.pool.maxConcurrentPerProject,
      sandbox: { ...sandboxSettings(raw.pool.sandbox), mode: sandboxSettings(raw.pool.sandbox).mode ?? d.pool.sandbox },
      cooldown: {
        afterTaskMs: parseDuration(raw.pool.cooldown?.afterTask ?? d.pool.cooldown.afterTask),
        afterFailureMs: parseDuration(raw.pool.cooldown?.afterFailure ?? d.pool.cooldown.afterFailure),
      },
    },
    agents: mergeAgents(raw.agents),
    projects: (raw.projects ?? []).map((p) => projectSpec(p.path, {
      ...(p.inbox !== undefined ? { inbox: path.resolve(p.inbox) } : {}),
      ...(p.name !== undefined ? { name: p.name } : {}),
      agent: p.agent ?? null,
      trust: p.trust ?? false,
      sandbox: sandboxSettings(p.sandbox),
      budget: { day: limitOf(p.budget?.day) },
      maxConcurrent: p.maxConcurrent !== undefined ? p.maxConcurrent : raw.pool.maxConcurrentPerProject ?? d.pool.maxConcurrentPerProject,
      isolation: p.isolation ?? d.isolation,
      worktree: {
        baseRef: p.worktree?.baseRef ?? null,
        keep: p.worktree?.keep ?? d.worktree.keep,
        commit: p.worktree?.commit ?? d.worktree.commit,
        branches: p.worktree?.branches ?? d.worktree.branches,
      },
    })),
    dedicated: [...(raw.dedicated ?? [])],
    tasks: {
      maxAttempts: t.maxAttempts ?? d.tasks.maxAttempts,
      retryBackoffMs: parseDuration(t.retryBackoff ?? d.tasks.retryBackoff),
      maxBytes: t.maxBytes ?? d.tasks.maxBytes,
      settleMs: parseDuration(t.settle ?? d.tasks.settle),
      instructionSuffix: t.instructionSuffix ?? d.tasks.instructionSuffix,
      emptyBodyText: t.emptyBodyText ?? d.tasks.emptyBodyText,
      // The machine's own, as src/tasks/schedule.ts's localZone() reads it.
      timeZone: t.timeZone ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'),
      resumeIdDir: resumeIdDir === null ? null : dirPath(resumeIdDir),
    },
    notify: raw.notify
      ? { command: [...raw.notify.command], on: [...(raw.notify.on ?? d.notify.on)], timeoutMs: parseDuration(raw.notify.timeout ?? d.notify.timeout) }
      : null,
    controller: {
      resyncMs: parseDuration(raw.controller?.resync ?? d.controller.resync),
      stateDir: stateDirFor(raw, file, env)!,
      metrics: raw.controller?.metrics ? listenAddress(raw.controller.metrics) : null,
      web: raw.controller?.web ? listenAddress(raw.controller.web) : null,
      webInput: raw.controller?.webInput ?? false,
    },
    fleet: raw.fleet ? fleetSpec(raw.fleet) : null,
    budgets: {
      day: limitOf(raw.budgets?.day),
      task: limitOf(raw.budgets?.task),
      timeZone: raw.budgets?.timeZone ?? raw.tasks?.timeZone ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'),
    },
    costs: {
      // A price the entry leaves out is 0 (a vendor that bills no cache writes).
      prices: (raw.costs?.prices ?? []).map((p) => ({
        model: p.model, input: p.input, output: p.output, cacheWrite5m: p.cacheWrite5m ?? 0, cacheWrite1h: p.cacheWrite1h ?? 0, cacheRead: p.cacheRead ?? 0,
        ...(p.above ? { above: { tokens: p.above.tokens, input: p.above.input, output: p.above.output, cacheWrite5m: p.above.cacheWrite5m ?? 0, cacheWrite1h: p.above.cacheWrite1h ?? 0, cacheRead: p.above.cacheRead ?? 0 } } : {}),
      })),
      pricesDate: raw.costs?.pricesDate ?? null,
    },
  };
}

/** `fleet:` → where its Redis is, by URL or by Sentinels (the rules require one of them), this host's name and role. */
function fleetSpec(f: NonNullable<RawConfig['fleet']>): FleetSpec {
  const hostPort = (s: string) => ({ host: s.slice(0, s.lastIndexOf(':')), port: Number(s.slice(s.lastIndexOf(':') + 1)) });
  const redis = f.sentinels?.length
    ? { sentinels: f.sentinels.map(hostPort), name: f.name ?? DEFAULTS.fleet.name }
    : hostPort((f.redis ?? '').replace(/^redis:\/\//, '').replace(/\/$/, ''));
  return { redis, host: f.host ?? (os.hostname() || 'host'), role: f.role ?? DEFAULTS.fleet.role, lockMs: parseDuration(f.lock ?? DEFAULTS.fleet.lock), agents: f.agents ?? null };
}

/** A project with every default filled in: the one way to make a ProjectSpec (for tools and tests too). */
export function projectSpec(projectPath: string, o: Partial<Omit<ProjectSpec, 'path'>> = {}): ProjectSpec {
  const resolved = path.resolve(projectPath);
  return {
    path: resolved,
    inbox: o.inbox ?? path.join(resolved, DEFAULTS.inbox),
    name: o.name ?? (path.basename(resolved) || resolved),
    agent: o.agent ?? null,
    trust: o.trust ?? false,
    maxConcurrent: o.maxConcurrent ?? null,
    sandbox: o.sandbox ?? { allow: [], write: [], hide: [] },
    budget: o.budget ?? { day: null },
    isolation: o.isolation ?? DEFAULTS.isolation,
    worktree: o.worktree ?? { baseRef: null, keep: DEFAULTS.worktree.keep, commit: DEFAULTS.worktree.commit, branches: DEFAULTS.worktree.branches },
  };
}

/**
 * The folders of the projects with isolation: worktree, resolved as a ProjectSpec's path is, read from a
 * document that may not be valid yet (entries of another shape are skipped): what the loader asks git
 * about before the pipeline runs.
 */
export function worktreeFolders(data: unknown): string[] {
  const projects: unknown = data !== null && typeof data === 'object' ? (data as { projects?: unknown }).projects : undefined;
  if (!Array.isArray(projects)) return [];
  const folders = projects.flatMap((p: unknown) => {
    const { path: folder, isolation } = (p !== null && typeof p === 'object' ? p : {}) as { path?: unknown; isolation?: unknown };
    return isolation === 'worktree' && typeof folder === 'string' ? [projectSpec(folder).path] : [];
  });
  return [...new Set(folders)];
}

/** `host:port`, `:port` (loopback) or `[v6]:port`, as the metrics server listens. */
function listenAddress(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  const host = text.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host: host || '127.0.0.1', port: Number(text.slice(at + 1)) };
}

/** A limit as written → money and tokens, each null when not set; no limit at all → null. */
function limitOf(l: RawLimit | undefined): Limit | null {
  return l && (l.cost !== undefined || l.tokens !== undefined) ? { cost: l.cost ?? null, tokens: l.tokens ?? null } : null;
}
