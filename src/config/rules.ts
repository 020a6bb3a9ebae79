import type { DesiredState } from './types.js';
import type { RawConfig } from './raw.js';
import type { ConfigEnv } from './normalize.js';
import type { Problem } from './problem.js';
import { agentRules } from './rules-agents.js';

/**
 * Two projects on one path, or two projects reading one inbox, would each take the other's tasks; two of
 * one name would share their logs, task ids and worktree folders (<stateDir>/worktrees/<name>).
 */
function projectRules(value: DesiredState): Problem[] {
  const problems: Problem[] = [];
  const paths = new Map<string, number>();
  const inboxes = new Map<string, number>();
  const names = new Map<string, number>();
  value.projects.forEach((p, i) => {
    const sameName = names.get(p.name);
    if (sameName !== undefined && paths.get(p.path) === undefined) {
      problems.push({
        path: ['projects', i], at: 'key',
        message: `the name "${p.name}" is also projects[${sameName}]'s (a project's name defaults to its folder's name); give one of them its own name: key`,
      });
    }
    names.set(p.name, i);
    const samePath = paths.get(p.path);
    if (samePath !== undefined) {
      problems.push({
        path: ['projects', i, 'path'], at: 'value',
        message: `"${p.path}" is already listed as projects[${samePath}]; list each project once`,
      });
      return;
    }
    paths.set(p.path, i);
    const sameInbox = inboxes.get(p.inbox);
    if (sameInbox !== undefined) {
      problems.push({
        path: ['projects', i, 'inbox'], at: 'value',
        message: `inbox "${p.inbox}" is also the inbox of projects[${sameInbox}]; give each project its own inbox`,
      });
    }
    inboxes.set(p.inbox, i);
  });
  return problems;
}

/**
 * isolation: worktree needs a git repository (the loader asks git and passes its answers in
 * `env.repositories`); worktree settings without it would silently do nothing.
 */
function isolationRules(raw: RawConfig, value: DesiredState, env: ConfigEnv): Problem[] {
  const problems: Problem[] = [];
  value.projects.forEach((p, i) => {
    if (p.isolation === 'worktree') {
      const why = env.repositories?.[p.path] ?? null;
      if (why) problems.push({ path: ['projects', i, 'isolation'], at: 'value', message: `isolation: worktree needs a git repository, and ${why}; run git init there (and make a first commit), or use isolation: none` });
    } else if (raw.projects?.[i]?.worktree) {
      problems.push({ path: ['projects', i, 'worktree'], at: 'key', message: 'worktree settings only apply with isolation: worktree; add that, or remove them' });
    }
  });
  return problems;
}

function timeZoneRules(value: DesiredState): Problem[] {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value.tasks.timeZone });
    return [];
  } catch {
    return [{ path: ['tasks', 'timeZone'], at: 'value', message: `"${value.tasks.timeZone}" is not a time zone this machine knows; use an IANA name such as Europe/Berlin, America/New_York or UTC` }];
  }
}

/** A fleet's Redis is named one way: by its URL, or by the Sentinels that know it. */
function fleetRules(raw: RawConfig): Problem[] {
  const f = raw.fleet;
  if (!f) return [];
  if (f.redis && f.sentinels) return [{ path: ['fleet', 'sentinels'], at: 'key', message: 'fleet names its Redis by redis: or by sentinels:, not both; keep one' }];
  if (!f.redis && !f.sentinels) return [{ path: ['fleet'], at: 'key', message: 'fleet needs its Redis: redis: redis://HOST:PORT, or sentinels: [HOST:PORT, ...] with name:' }];
  return [];
}

function metricsRules(value: DesiredState): Problem[] {
  const m = value.controller.metrics;
  if (!m || (m.port >= 1 && m.port <= 65535)) return [];
  return [{ path: ['controller', 'metrics'], at: 'value', message: `port ${m.port} is not a TCP port; use 1 to 65535 (9464 is the usual one for this)` }];
}

/** Session names agentpool must never touch may not be, or ever become, names agentpool manages. */
function dedicatedRules(value: DesiredState): Problem[] {
  const { prefix, startIndex, size } = value.pool;
  const end = startIndex + size - 1;
  const range = size > 0 ? `the pool is ${prefix}${startIndex} .. ${prefix}${end}` : 'the pool is empty now';
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  value.dedicated.forEach((name, i) => {
    const path = ['dedicated', i];
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({ path, at: 'value', message: `"${name}" is already listed as dedicated[${first}]; remove one` });
      return;
    }
    seen.set(name, i);
    const rest = name.startsWith(prefix) ? name.slice(prefix.length) : '';
    if (!/^[0-9]+$/.test(rest)) return;
    const slot = Number(rest);
    if (String(slot) === rest && slot >= startIndex && slot <= end) {
      problems.push({
        path, at: 'value',
        message:
          `"${name}" is pool slot ${slot} (${range}), so agentpool would manage it as its own; ` +
          'rename the session, or change pool.prefix or pool.startIndex so the pool does not include it',
      });
    } else {
      problems.push({
        path, at: 'value',
        message:
          `"${name}" looks like a pool session name (pool.prefix "${prefix}" followed by a number; ${range}) ` +
          `and would collide with the pool when it grows or moves; rename the session so it does not start ` +
          `with "${prefix}" followed by digits`,
      });
    }
  });
  return problems;
}

/** Paths with `~`, and the default stateDir, need HOME; without it say so instead of guessing. */
function homeRules(raw: RawConfig, env: ConfigEnv): Problem[] {
  if (env.HOME !== undefined) return [];
  const needsHome = (p: string | null | undefined): boolean => p === '~' || (p?.startsWith('~/') ?? false);
  const problems: Problem[] = [];
  const tilde = 'uses "~" but HOME is not set; write an absolute path';
  if (needsHome(raw.tasks?.resumeIdDir)) problems.push({ path: ['tasks', 'resumeIdDir'], at: 'value', message: tilde });
  const stateDir = raw.controller?.stateDir;
  if (needsHome(stateDir)) problems.push({ path: ['controller', 'stateDir'], at: 'value', message: tilde });
  const xdg = env.XDG_STATE_HOME?.startsWith('/') ?? false;
  if (stateDir === undefined && !xdg) {
    problems.push({
      path: raw.controller ? ['controller'] : [], at: 'key',
      message: 'neither XDG_STATE_HOME nor HOME is set, so there is no default controller.stateDir; set controller.stateDir',
    });
  }
  return problems;
}

/**
 * The checks JSON Schema cannot express. Each returns problems at the node to fix; an empty list means the
 * normalized value can be used as it is.
 */
export function checkRules(raw: RawConfig, value: DesiredState, env: ConfigEnv): Problem[] {
  return [...projectRules(value), ...isolationRules(raw, value, env), ...metricsRules(value), ...timeZoneRules(value), ...fleetRules(raw), ...dedicatedRules(value), ...agentRules(raw, value), ...homeRules(raw, env)];
}
