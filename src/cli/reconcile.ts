import { defaultConfigPath } from '../config/load.js';
import { Controller } from '../reconciler/controller.js';
import { blindSpots, warnings } from '../reconciler/snapshot.js';
import { formatPlan, formatWaits, planJson } from './format-plan.js';
import { createLogger, type LogFormat } from './logger.js';
import { UsageError, type CliValues } from './main.js';

export async function reconcileCommand(v: CliValues): Promise<number> {
  const configFile = v.config ?? defaultConfigPath();
  if (v.once && v['dry-run']) throw new UsageError('--once and --dry-run do not go together');
  if (v['dry-run']) return dryRun(configFile, v);
  const log = createLogger(v['log-format'] as LogFormat | undefined);
  const c = await Controller.create({ configFile, log, serveWeb: async (d, at, l) => (await import('../web/server.js')).serveDashboard(d, at, l) });
  if (v.once) {
    const blind = await c.once();
    await c.stop();
    // The problems were logged by the pass; the exit code says the pass could not do all it should.
    return blind.length > 0 ? 2 : 0;
  }
  // Handlers stay installed (process.on, not once): execa re-raises a signal that no other handler is
  // listening for while one of its children runs, which would kill the controller mid-shutdown.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping: no new work is taken; running agents keep running and are adopted on restart');
      void c.stop().then(() => resolve(0));
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGHUP', () => void c.reload('SIGHUP'));
  });
  log.info({ pid: process.pid, config: configFile, tmux: c.backend.label, size: c.config.pool.size }, 'controller started');
  c.start();
  return stopped;
}

async function dryRun(configFile: string, v: CliValues): Promise<number> {
  const log = createLogger('json', 'silent');
  const c = await Controller.create({ configFile, log, lock: false });
  const { snapshot, actions } = await c.reconciler.planOnly();
  c.slots.stopAll();
  // A world that could not be seen whole is never "in sync": say what was missing, exit 2 ("cannot tell").
  const blind = blindSpots(snapshot);
  const lines = formatPlan(c.config, actions, snapshot.now);
  if (v.output === 'json') process.stdout.write(`${planJson(actions)}\n`);
  else if (lines.length === 0 && blind.length === 0) process.stdout.write(`pool ${c.config.pool.prefix}* on ${c.backend.label} is in sync: nothing to do\n`);
  else if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  // Why queued tasks do not start: not actions, so they change neither the sync verdict nor --exit-code.
  const waits = v.output === 'json' ? [] : formatWaits(c.config, snapshot, actions);
  if (waits.length > 0) process.stdout.write(`${waits.join('\n')}\n`);
  // Warnings hid nothing from the plan: said, but the plan stands (and --exit-code says only whether it is empty).
  for (const w of warnings(snapshot)) process.stderr.write(`agentpool: warning: ${w}\n`);
  if (blind.length > 0) {
    process.stderr.write(`agentpool: cannot tell what the pool needs; this plan may be missing actions:\n${blind.map((b) => `  ${b}`).join('\n')}\n`);
    return 2;
  }
  return v['exit-code'] && lines.length > 0 ? 1 : 0;
}
