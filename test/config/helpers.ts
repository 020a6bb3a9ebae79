import { parseConfig } from '../../src/config/parse.js';
import type { ConfigEnv } from '../../src/config/normalize.js';
import { formatConfigError, type DesiredState } from '../../src/config/types.js';

export const FILE = '/etc/agentpool/desired-state.yaml';
export const ENV: ConfigEnv = { HOME: '/home/you' };

/** YAML from lines, so a test can count the line numbers it asserts on. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** The smallest valid head of a config; tests append their own sections after line 5. */
export const HEAD = ['tmux:', '  socket: test', 'pool:', '  prefix: w-', '  size: 2'] as const;

/** Every error of a config that must fail, formatted the way users see them. */
export function errorsOf(text: string, env = ENV): string[] {
  const r = parseConfig(text, FILE, env);
  if (!('errors' in r)) throw new Error('expected errors, the config was valid');
  return r.errors.map(formatConfigError);
}

/** The value of a config that must pass; fails the test with the errors otherwise. */
export function valueOf(text: string, env = ENV): DesiredState {
  const r = parseConfig(text, FILE, env);
  if ('errors' in r) throw new Error(`expected a valid config:\n${r.errors.map(formatConfigError).join('\n')}`);
  return r.value;
}
