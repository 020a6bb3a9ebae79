import { defaultConfigPath, loadDesired } from '../config/load.js';
import { isLoopbackHost, serveDashboard } from '../web/server.js';
import { createLogger, type LogFormat } from './logger.js';
import { UsageError, type CliValues } from './main.js';

/**
 * `agentpool web`: the dashboard of the pool whose controller runs on this machine, read from what it
 * writes (README: The web dashboard). Loopback only: a non-loopback address needs a login, not there yet.
 */
export async function webCommand(v: CliValues): Promise<number> {
  const d = await loadDesired(v.config ?? defaultConfigPath());
  const log = createLogger(v['log-format'] as LogFormat | undefined);
  const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d{1,5})$/.exec(v.listen ?? '127.0.0.1:7420');
  if (!m) throw new UsageError('--listen takes HOST:PORT or PORT, e.g. 127.0.0.1:7420');
  const host = (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  const served = await serveDashboard(d, { host, port }, log).catch((err: Error) => {
    throw new UsageError(err.message, isLoopbackHost(host) ? 1 : 2);
  });
  await new Promise<void>((resolve) => {
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
  });
  served.close();
  return 0;
}
