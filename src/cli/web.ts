import { defaultConfigPath, loadDesired } from '../config/load.js';
import { isLoopbackHost, webApp } from '../web/server.js';
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
  if (!isLoopbackHost(host)) {
    throw new UsageError(`agentpool web listens on a loopback address only (${host} is not one): an address others can reach needs a login, which is not there yet; reach it through an SSH tunnel (ssh -L 7420:127.0.0.1:7420 HOST)`);
  }
  const app = await webApp(d, { host, port }, log);
  const { serve } = await import('@hono/node-server');
  const server = serve({ fetch: app.fetch, hostname: host, port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', (err: NodeJS.ErrnoException) => reject(new UsageError(`cannot listen on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is taken' : err.message}`, 1)));
  });
  log.info({ url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/` }, 'serving the dashboard (Ctrl-C stops it)');
  await new Promise<void>((resolve) => {
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
  });
  server.close();
  return 0;
}
