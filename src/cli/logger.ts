import { createRequire } from 'node:module';
import { basename } from 'node:path';
import pino, { type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

/** pino-pretty is loaded only for pretty logs: a controller or command logging JSON does not pay for it. */
const loadPretty = (): typeof PinoPretty => createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;

export type LogFormat = 'pretty' | 'json';

/**
 * One structured line per event. Pretty when stdout is a terminal, JSON otherwise, unless asked.
 * Transitions read `{session, from, to, event}` in both; pretty prints them as `demo-1 idle → launching`.
 */
export function createLogger(format: LogFormat | undefined, level = process.env.AGENTPOOL_LOG_LEVEL ?? 'info'): Logger {
  const chosen = format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  if (chosen === 'json') return pino({ level, base: undefined }, pino.destination({ sync: true }));
  return pino(
    { level, base: undefined },
    loadPretty()({ colorize: process.stdout.isTTY, sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', hideObject: true, messageFormat: oneLine }),
  );
}

/**
 * `msg key=value ...` on one line. A line about a transition (it has from and to) reads
 * `session from → to (event) task: msg — reason key=value`: the action and the state change it caused.
 */
export function oneLine(log: Record<string, unknown>, messageKey: string): string {
  const { [messageKey]: msg, level: _l, time: _t, ...rest } = log;
  if ('from' in rest && 'to' in rest) {
    const { session, from, to, event, task, taskId: _id, reason, ...more } = rest;
    const what = msg && msg !== 'transition' ? `: ${String(msg)}` : '';
    return `${session} ${from} → ${to} (${event})${task ? ` ${basename(String(task))}` : ''}${what}${reason ? ` — ${reason}` : ''}${fields(more)}`;
  }
  return `${String(msg ?? '')}${fields(rest)}`;
}

function fields(o: Record<string, unknown>): string {
  return Object.entries(o)
    .map(([k, v]) => ` ${k}=${typeof v === 'string' ? (/[\s"]/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
    .join('');
}
