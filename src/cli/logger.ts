import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'pretty' | 'json';

/**
 * One structured line per event. Pretty when stdout is a terminal, JSON otherwise, unless asked.
 * Transitions read `{session, from, to, event}` in both.
 */
export function createLogger(format: LogFormat | undefined, level = process.env.AGENTPOOL_LOG_LEVEL ?? 'info'): Logger {
  const chosen = format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  if (chosen === 'json') return pino({ level, base: undefined }, pino.destination({ sync: true }));
  return pino(
    { level, base: undefined },
    pretty({ colorize: process.stdout.isTTY, sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }),
  );
}
