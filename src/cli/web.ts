import { defaultConfigPath, loadDesired } from '../config/load.js';
import { serveDashboard } from '../web/server.js';
import { createLogger, type LogFormat } from './logger.js';
import { UsageError, type CliValues } from './main.js';

/**
 * `agentpool web`: the dashboard of the pool whose controller runs on this machine, read from what it
 * writes (README: The web dashboard). On an address others can reach every page needs the login.
 */
export async function webCommand(v: CliValues): Promise<number> {
  const d = await loadDesired(v.config ?? defaultConfigPath());
  const log = createLogger(v['log-format'] as LogFormat | undefined);
  const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d{1,5})$/.exec(v.listen ?? '127.0.0.1:7420');
  if (!m) throw new UsageError('--listen takes HOST:PORT or PORT, e.g. 127.0.0.1:7420');
  const host = (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  const served = await serveDashboard(d, { host, port }, log, { input: v['allow-input'] === true || d.controller.webInput }).catch((err: Error) => {
    throw new UsageError(err.message, 1);
  });
  await new Promise<void>((resolve) => {
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
  });
  served.close();
  return 0;
}
