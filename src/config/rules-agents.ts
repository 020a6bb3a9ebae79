import { deliversInArgv } from './agents.js';
import { SHIPPED_PROFILES } from './profiles.js';
import { DRIVER_KINDS, DRIVER_TABLE, type DesiredState } from './types.js';
import type { RawConfig } from './raw.js';
import type { Problem } from './problem.js';
import { didYouMean } from './suggest.js';

/** `pool.agent` and each `projects[].agent` must name a profile; list them all, since the fix is to pick one. */
function agentNameRules(value: DesiredState): Problem[] {
  const defined = Object.keys(value.agents);
  return [
    ...unknownAgent(value.pool.agent, defined, ['pool', 'agent']),
    ...value.projects.flatMap((p, i) => (p.agent === null ? [] : unknownAgent(p.agent, defined, ['projects', i, 'agent']))),
    ...(value.fleet?.agents ?? []).flatMap((name, i) => unknownAgent(name, defined, ['fleet', 'agents', i])),
  ];
}

function unknownAgent(name: string, defined: readonly string[], path: Problem['path']): Problem[] {
  if (defined.includes(name)) return [];
  const names = [...new Set(defined)].sort();
  const guess = didYouMean(name, names);
  return [{
    path, at: 'value',
    message: `unknown agent "${name}"; ${guess ? `did you mean "${guess}"? The` : 'the'} agents defined are ${names.join(', ')}`,
  }];
}

/** The profiles the config puts to work: the pool's and the projects' own (a task may name any other). */
export function agentsInUse(value: DesiredState): string[] {
  return [...new Set([value.pool.agent, ...value.projects.flatMap((p) => (p.agent === null ? [] : [p.agent])), ...(value.fleet?.agents ?? [])])].filter((n) => value.agents[n]);
}

/**
 * The agent checks that need only the raw document, for a file that failed the schema elsewhere: an
 * unknown pool.agent, extends, patterns. Defensive about shapes the schema would have refused.
 */
export function rawAgentRules(data: unknown): Problem[] {
  const raw = (typeof data === 'object' && data !== null ? data : {}) as Partial<RawConfig>;
  const agents = typeof raw.agents === 'object' && raw.agents !== null && !Array.isArray(raw.agents) ? raw.agents : {};
  const out: Problem[] = [];
  const defined = [...Object.keys(SHIPPED_PROFILES), ...Object.keys(agents)];
  const name = typeof raw.pool === 'object' && raw.pool !== null ? (raw.pool as { agent?: unknown }).agent : undefined;
  if (typeof name === 'string') out.push(...unknownAgent(name, defined, ['pool', 'agent']));
  (Array.isArray(raw.projects) ? raw.projects : []).forEach((p, i) => {
    const agent = typeof p === 'object' && p !== null ? (p as { agent?: unknown }).agent : undefined;
    if (typeof agent === 'string') out.push(...unknownAgent(agent, defined, ['projects', i, 'agent']));
  });
  try {
    out.push(...extendsRules({ ...raw, agents } as RawConfig), ...patternRules({ ...raw, agents } as RawConfig));
  } catch {
    // a shape these rules cannot read: the schema errors already say what to fix
  }
  return out;
}

/** File order matters: an entry may extend a shipped profile or one defined above it, never below. */
function extendsRules(raw: RawConfig): Problem[] {
  const problems: Problem[] = [];
  const entries = Object.entries(raw.agents ?? {});
  const known = new Set(Object.keys(SHIPPED_PROFILES));
  entries.forEach(([name, entry], i) => {
    const base = entry.extends;
    if (base !== undefined && !known.has(base)) {
      const later = entries.slice(i).some(([n]) => n === base);
      const guess = didYouMean(base, [...known]);
      const allowed = `a shipped profile (${Object.keys(SHIPPED_PROFILES).join(', ')}) or one defined above`;
      const message = base === name
        ? `a profile cannot extend itself; extend ${allowed}`
        : later
          ? `profile "${base}" is defined below "${name}"; move its definition above this one`
          : guess
            ? `unknown profile "${base}"; did you mean "${guess}"? Extend ${allowed}`
            : `unknown profile "${base}"; extend ${allowed}`;
      problems.push({ path: ['agents', name, 'extends'], at: 'value', message });
    }
    known.add(name);
  });
  return problems;
}

/** Screen patterns are compiled the way the detectors use them (flag m), so a bad one fails here, not live. */
function patternRules(raw: RawConfig): Problem[] {
  const problems: Problem[] = [];
  for (const [name, entry] of Object.entries(raw.agents ?? {})) {
    for (const [kind, patterns] of Object.entries(entry.screen ?? {})) {
      (patterns ?? []).forEach((p, i) => {
        try {
          new RegExp(p, 'm');
        } catch (err) {
          problems.push({
            path: ['agents', name, 'screen', kind, i], at: 'value',
            message: `not a valid regular expression: ${(err as Error).message}`,
          });
        }
      });
    }
    (entry.answers ?? []).forEach((a, i) => {
      try {
        new RegExp(a.match, 'm');
      } catch (err) {
        problems.push({ path: ['agents', name, 'answers', i, 'match'], at: 'value', message: `not a valid regular expression: ${(err as Error).message}` });
      }
    });
  }
  return problems;
}

/**
 * An agent in use must be able to receive a task: in its argv ({prompt} or {promptFile}), or by paste
 * with a way to know it is ready and that it took the prompt (hooks, or ready and busy screen patterns).
 */
function deliveryRule(raw: RawConfig, value: DesiredState): Problem[] {
  return agentsInUse(value).flatMap((name) => deliveryProblem(raw, value, name));
}

function deliveryProblem(raw: RawConfig, value: DesiredState, name: string): Problem[] {
  const profile = value.agents[name]!;
  if (deliversInArgv(profile.command) || DRIVER_TABLE[profile.driver].hooks) return [];
  if (profile.screen.ready.length > 0 && profile.screen.busy.length > 0) return [];
  const path = raw.agents && Object.hasOwn(raw.agents, name) ? ['agents', name] : usedAt(value, name);
  return [{
    path, at: path[0] === 'agents' ? 'key' : 'value',
    message: `agent "${name}" cannot be given a task: pass it in the command with {prompt} or {promptFile}, ` +
      `or give screen.ready and screen.busy patterns (or a hooks driver: ${DRIVER_KINDS.filter((k) => DRIVER_TABLE[k].hooks).join(', ')}) so a pasted task can be verified`,
  }];
}

/**
 * A command given in the file replaces the whole argv, so pointing `claude` at another executable can
 * drop `--settings {settings}` by mistake (or Codex's `-c {hooks}`, or Gemini's settings variable): the
 * hooks never run, no prompt is ever confirmed, every task fails. Say so here instead.
 */
function hooksNeedSettingsRule(raw: RawConfig, value: DesiredState): Problem[] {
  return agentsInUse(value).flatMap((name) => hooksNeedSettingsProblem(raw, value, name));
}

function hooksNeedSettingsProblem(raw: RawConfig, value: DesiredState, name: string): Problem[] {
  const entry = raw.agents && Object.hasOwn(raw.agents, name) ? raw.agents[name] : undefined;
  const profile = value.agents[name];
  const hooks = profile && DRIVER_TABLE[profile.driver].hooks;
  if (!entry || !profile || !hooks || deliversInArgv(profile.command)) return [];
  const { placeholder, in: where, how } = hooks;
  const words = where === 'command' ? profile.command : Object.values(profile.env);
  if (!(where === 'command' ? entry.command : entry.env) || words.some((w) => w.includes(placeholder))) return [];
  return [{
    path: ['agents', name, where], at: 'key',
    message: `agent "${name}" uses the ${profile.driver} driver but its ${where} does not pass the hooks: ${how} ` +
      '(agentpool learns from the hooks that a task arrived and ended), or set driver: screen',
  }];
}

/** Where a profile in use is named: the pool's agent, or else the first project that names it. */
function usedAt(value: DesiredState, name: string): Problem['path'] {
  if (value.pool.agent === name) return ['pool', 'agent'];
  return ['projects', value.projects.findIndex((p) => p.agent === name), 'agent'];
}

/** `projects[].trust` needs a project agent (its own, or the pool's) that knows where its CLI keeps folder trust. */
function trustRule(raw: RawConfig, value: DesiredState): Problem[] {
  return (raw.projects ?? []).flatMap((p, i) => {
    const profile = value.agents[value.projects[i]?.agent ?? value.pool.agent];
    return p.trust && profile && profile.folderTrust === 'none'
      ? [{
          path: ['projects', i, 'trust'], at: 'value' as const,
          message: `agent "${profile.name}" has no way to record folder trust (folderTrust: none); remove trust here, or use a claude-based profile`,
        }]
      : [];
  });
}

/** The agent checks: the agents named exist, every extends resolves, every screen pattern compiles, tasks can reach them. */
export function agentRules(raw: RawConfig, value: DesiredState): Problem[] {
  return [...agentNameRules(value), ...extendsRules(raw), ...patternRules(raw), ...deliveryRule(raw, value), ...hooksNeedSettingsRule(raw, value), ...trustRule(raw, value)];
}
