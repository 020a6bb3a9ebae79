import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultConfigPath, loadDesired } from '../config/load.js';
import { parseDuration } from '../config/duration.js';
import type { DesiredState } from '../config/types.js';
import { costsReport, type CostsBy, type CostsRow, type SettledTask } from '../costs/report.js';
import { priceTable } from '../costs/attempt-usage.js';
import { queueDirs, RESULT_SUFFIX } from '../tasks/layout.js';
import { readResult } from '../tasks/store.js';
import { UsageError, type CliValues } from './main.js';
import { table } from './table.js';

export const COSTS_BY: CostsBy[] = ['project', 'model', 'agent', 'day', 'task'];

/** `agentpool costs`: what settled tasks consumed, grouped, from their records (no controller needed). */
export async function costsCommand(v: CliValues): Promise<number> {
  const d = await loadDesired(v.config ?? defaultConfigPath());
  const by = (v.by ?? 'project') as CostsBy;
  if (!COSTS_BY.includes(by)) throw new UsageError(`--by takes ${COSTS_BY.join(', ')}`);
  let since = 0;
  if (v.since) {
    if (!/^\d+(ms|s|m|h|d)$/.test(v.since)) throw new UsageError('--since takes a duration such as 24h or 7d');
    since = Date.now() - (v.since.endsWith('d') ? Number(v.since.slice(0, -1)) * 86_400_000 : parseDuration(v.since));
  }
  process.stdout.write(await costsText(d, by, since, v.output === 'json'));
  return 0;
}

/** The report as text (or JSON): shared with the demo, which ends with it. */
export async function costsText(d: DesiredState, by: CostsBy, since: number, json: boolean): Promise<string> {
  const tasks = (await settledTasks(d)).filter((t) => t.finishedAt >= since);
  const { rows, total } = costsReport(tasks, by, d.tasks.timeZone);
  const prices = priceTable(d);
  if (json) return `${JSON.stringify({ by, since: since ? new Date(since).toISOString() : null, currency: prices.currency, prices: prices.date, rows, total }, null, 2)}\n`;
  const money = (r: CostsRow) => (r.cost === null ? 'unknown' : `$${r.cost.toFixed(4)}`);
  const n = (x: number) => x.toLocaleString('en-US');
  const line = (r: CostsRow) => [r.key, String(r.done), String(r.failed), n(r.tokens.input), n(r.tokens.output), n(r.tokens.cacheWrite5m + r.tokens.cacheWrite1h), n(r.tokens.cacheRead), money(r)];
  const unknown = total.unknown ? `${total.unknown} attempt(s) of a CLI whose usage agentpool cannot read yet are not in these figures\n` : '';
  return table([by.toUpperCase(), 'DONE', 'FAILED', 'INPUT', 'OUTPUT', 'CACHE WRITE', 'CACHE READ', 'COST'], [...rows.map(line), line(total)]) +
    `\nprices of ${prices.date} (${prices.currency} per million tokens; README: What each task cost); on a subscription plan the money is notional: what the same tokens would cost through the API\n${unknown}`;
}

/** Every task in done/ and failed/ of the config's projects, with its attempts' usage. */
async function settledTasks(d: DesiredState): Promise<SettledTask[]> {
  const out: SettledTask[] = [];
  for (const p of d.projects) {
    const dirs = queueDirs(p.inbox);
    for (const [dir, outcome] of [[dirs.done, 'done'], [dirs.failed, 'failed']] as const) {
      for (const name of (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(`.md${RESULT_SUFFIX}`))) {
        const r = await readResult(join(dir, name.slice(0, -RESULT_SUFFIX.length)));
        if (!r) continue;
        out.push({
          task: `${p.name}/${name.slice(0, -RESULT_SUFFIX.length)}`, project: p.name, agent: r.agent ?? d.pool.agent, outcome, finishedAt: r.finishedAt,
          attempts: r.history.filter((h) => h.usage).map((h) => (h.usage && !('unknown' in h.usage) ? h.usage : null)),
        });
      }
    }
  }
  return out;
}
