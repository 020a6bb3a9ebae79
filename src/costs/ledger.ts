import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttemptUsage } from './usage.js';
import { totalTokens } from './usage.js';

/** What one ended attempt spent, as the day's ledger keeps it. */
export interface Spend {
  at: number;
  /** The project's path. */
  project: string;
  /** null: a model without a price. */
  cost: number | null;
  tokens: number;
}

/** What a day spent so far: the whole pool, and each project by its path. */
export interface DaySpend {
  /** The day, `YYYY-MM-DD` in the budget's time zone, and when it ends (epoch ms). */
  day: string;
  endsAt: number;
  pool: { cost: number; tokens: number };
  byProject: Map<string, { cost: number; tokens: number }>;
}

/** `YYYY-MM-DD` of `at` in `timeZone` (a formatter per zone, made once: the day search and the costs table call this often). */
export function dayOf(at: number, timeZone: string): string {
  let f = days.get(timeZone);
  if (!f) days.set(timeZone, (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return f.format(at);
}

const days = new Map<string, Intl.DateTimeFormat>();

/** When the day of `at` ends in `timeZone` (the first millisecond whose day differs), found by a search over the next 27 hours. */
export function dayEndsAt(at: number, timeZone: string): number {
  const day = dayOf(at, timeZone);
  let lo = at;
  let hi = at + 27 * 3_600_000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (dayOf(mid, timeZone) === day) lo = mid;
    else hi = mid;
  }
  return hi;
}

const file = (stateDir: string, day: string) => join(stateDir, 'spend', `${day}.jsonl`);

/** Adds an ended attempt's spend to its day's ledger (`<stateDir>/spend/<day>.jsonl`, one line each). */
export async function recordSpend(stateDir: string, timeZone: string, project: string, at: number, usage: AttemptUsage): Promise<void> {
  await mkdir(join(stateDir, 'spend'), { recursive: true, mode: 0o700 });
  const line: Spend = { at, project, cost: usage.cost, tokens: totalTokens(usage.tokens) };
  await appendFile(file(stateDir, dayOf(at, timeZone)), `${JSON.stringify(line)}\n`);
}

/** What the day of `now` spent so far (a line being written as it is read is skipped). */
export async function daySpend(stateDir: string, timeZone: string, now: number): Promise<DaySpend> {
  const day = dayOf(now, timeZone);
  const out: DaySpend = { day, endsAt: dayEndsAt(now, timeZone), pool: { cost: 0, tokens: 0 }, byProject: new Map() };
  const text = await readFile(file(stateDir, day), 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    let s: Spend;
    try {
      s = JSON.parse(line) as Spend;
    } catch {
      continue;
    }
    const p = out.byProject.get(s.project) ?? { cost: 0, tokens: 0 };
    for (const t of [p, out.pool]) {
      t.cost += s.cost ?? 0;
      t.tokens += s.tokens;
    }
    out.byProject.set(s.project, p);
  }
  return out;
}
