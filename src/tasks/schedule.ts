import { createRequire } from 'node:module';
import type * as Luxon from 'luxon';

/**
 * luxon, loaded the first time a schedule is read: every command and controller imports this file (the
 * scanner does), few tasks have a not_before, and loading luxon costs ~12 ms of a start.
 */
let luxon: typeof Luxon | undefined;
const dateTime = (): typeof Luxon.DateTime => (luxon ??= createRequire(import.meta.url)('luxon') as typeof Luxon).DateTime;

/**
 * A task's `not_before:`: a time of day (`22:00`, `07:30:15`), a date (`2026-12-24`), or a date and time
 * (`2026-12-24 22:00`, `2026-12-24T22:00:00`), all read in the configured time zone (`tasks.timeZone`), or
 * an ISO date-time with its own offset (`2026-12-24T22:00:00+01:00`, `...Z`). A time of day means the first
 * such time at or after the task arrived, so it stays the same moment however often it is read. Pure.
 */

const TIME_OF_DAY = /^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;
const LOCAL = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

export const NOT_BEFORE_FORMS = 'a time of day (22:00), a date (2026-12-24), a date and time (2026-12-24 22:00) or an ISO date-time with an offset (2026-12-24T22:00:00+01:00)';

/** Why `raw` is not a `not_before:` value, or null when it is one. */
export function notBeforeProblem(raw: unknown): string | null {
  if (raw instanceof Date) return null;
  if (typeof raw !== 'string') return `not_before must be ${NOT_BEFORE_FORMS}`;
  const text = raw.trim();
  if (TIME_OF_DAY.test(text)) return null;
  if (!LOCAL.test(text) && !WITH_OFFSET.test(text)) return `not_before ${JSON.stringify(raw)} is not ${NOT_BEFORE_FORMS}`;
  const dt = dateTime().fromISO(text.replace(' ', 'T'), { zone: 'UTC', setZone: true });
  return dt.isValid ? null : `not_before ${JSON.stringify(raw)} is not a real date or time (${dt.invalidExplanation ?? dt.invalidReason})`;
}

/** Epoch ms of `raw` (valid by notBeforeProblem) for a task that arrived at `arrivedAt`, read in `timeZone`. */
export function resolveNotBefore(raw: string | Date, arrivedAt: number, timeZone: string): number {
  if (raw instanceof Date) return raw.getTime();
  const text = raw.trim();
  const tod = TIME_OF_DAY.exec(text);
  if (tod) {
    const arrived = dateTime().fromMillis(arrivedAt, { zone: timeZone });
    const at = arrived.set({ hour: Number(tod[1]), minute: Number(tod[2]), second: Number(tod[3] ?? 0), millisecond: 0 });
    return (at.toMillis() < arrived.startOf('second').toMillis() ? at.plus({ days: 1 }) : at).toMillis();
  }
  const zone = WITH_OFFSET.test(text) ? { setZone: true } : { zone: timeZone };
  return dateTime().fromISO(text.replace(' ', 'T'), zone).toMillis();
}

/** `at` as an ISO date-time with the offset of `timeZone` there: `2026-12-06T22:00:00+01:00`. */
export function isoAt(at: number, timeZone: string): string {
  return dateTime().fromMillis(at, { zone: timeZone }).toISO({ suppressMilliseconds: true })!;
}

/** The machine's own time zone (tasks.timeZone's default). */
export const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** `22:00` today, `Tue 22:00` within a week, else the date and time, in `timeZone`: how views show a schedule. */
export function showTime(at: number, now: number, timeZone: string): string {
  const t = dateTime().fromMillis(at, { zone: timeZone });
  const n = dateTime().fromMillis(now, { zone: timeZone });
  if (t.hasSame(n, 'day')) return t.toFormat('HH:mm');
  if (Math.abs(at - now) < 6 * 86_400_000) return t.toFormat('ccc HH:mm');
  return t.toFormat('yyyy-MM-dd HH:mm');
}
