import { formatConfigError, type ConfigResult, type DesiredState } from '../config/types.js';

/** What a reload of the config file comes to: the config to apply, or why the last good one stays. */
export type ReloadVerdict = { ok: true; next: DesiredState } | { ok: false; problems: string[]; message: string };

/**
 * Pure: judges a re-read config file against the config in force. A file with errors, or an edit of a key
 * the running controller cannot change (its tmux server, its session names, its state folder), is refused
 * whole; the message names every error or every such key, in one log line for the edit.
 */
export function judgeReload(file: string, prev: DesiredState, r: ConfigResult): ReloadVerdict {
  if ('errors' in r) {
    const problems = r.errors.map(formatConfigError);
    return { ok: false, problems, message: `${problems.join('\n')}\nconfig ${file} is invalid; keeping the last good config` };
  }
  const problems = fixedKeys(prev, r.value).map(([key, was, now]) => `${key} cannot change while the controller runs (${JSON.stringify(was)} → ${JSON.stringify(now)}): restart it to apply this edit; the last good config stays in force until then`);
  return problems.length ? { ok: false, problems, message: problems.join('\n') } : { ok: true, next: r.value };
}

/** The keys a running controller is bound to that the edit changed: [key, was, now]. */
function fixedKeys(prev: DesiredState, next: DesiredState): Array<[string, unknown, unknown]> {
  const at = (d: DesiredState): Record<string, unknown> => ({
    'tmux.socket': 'socket' in d.tmux ? d.tmux.socket : undefined,
    'tmux.socketPath': 'socketPath' in d.tmux ? d.tmux.socketPath : undefined,
    'tmux.transport': d.tmux.transport,
    'pool.prefix': d.pool.prefix,
    'controller.stateDir': d.controller.stateDir,
    fleet: d.fleet ? JSON.stringify(d.fleet) : undefined,
    'controller.web': d.controller.web ? `${d.controller.web.host}:${d.controller.web.port}` : undefined,
  });
  const was = at(prev);
  const now = at(next);
  return Object.keys(was).filter((k) => was[k] !== now[k]).map((k) => [k, was[k] ?? null, now[k] ?? null]);
}
