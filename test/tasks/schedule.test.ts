import { describe, expect, it } from 'vitest';
import { notBeforeProblem, resolveNotBefore, showTime } from '../../src/tasks/schedule.js';

const utc = (...p: [number, number, number, number?, number?]) => Date.UTC(p[0], p[1] - 1, p[2], p[3] ?? 0, p[4] ?? 0);

describe('not_before', () => {
  it('reads a time of day as its first coming at or after the task arrived, in the time zone', () => {
    const arrived = utc(2026, 12, 6, 20, 30);
    expect(resolveNotBefore('22:00', arrived, 'UTC')).toBe(utc(2026, 12, 6, 22));
    expect(resolveNotBefore('07:00', arrived, 'UTC')).toBe(utc(2026, 12, 7, 7));
    // 22:00 in Berlin (UTC+1 in December) is 21:00 UTC.
    expect(resolveNotBefore('22:00', arrived, 'Europe/Berlin')).toBe(utc(2026, 12, 6, 21));
    // At 22:30 Berlin time, 22:00 has passed: tomorrow's.
    expect(resolveNotBefore('22:00', utc(2026, 12, 6, 21, 30), 'Europe/Berlin')).toBe(utc(2026, 12, 7, 21));
  });

  it('reads dates and date-times in the time zone, and an explicit offset as written', () => {
    expect(resolveNotBefore('2026-12-24', 0, 'UTC')).toBe(utc(2026, 12, 24));
    expect(resolveNotBefore('2026-12-24 07:30', 0, 'America/New_York')).toBe(utc(2026, 12, 24, 12, 30));
    expect(resolveNotBefore('2026-12-24T07:30:00+01:00', 0, 'America/New_York')).toBe(utc(2026, 12, 24, 6, 30));
    expect(resolveNotBefore('2026-12-24T07:30:00Z', 0, 'Europe/Berlin')).toBe(utc(2026, 12, 24, 7, 30));
  });

  it('names what is wrong with a value that is none of the forms', () => {
    expect(notBeforeProblem('22:00')).toBeNull();
    expect(notBeforeProblem('2026-12-24T22:00')).toBeNull();
    expect(notBeforeProblem('25:00')).toMatch(/is not a time of day/);
    expect(notBeforeProblem('2026-13-01')).toMatch(/is not a real date or time/);
    expect(notBeforeProblem(2200)).toMatch(/^not_before must be/);
  });

  it('shows a time as the day needs: today, this week, or later', () => {
    const now = utc(2026, 12, 6, 12);
    expect(showTime(utc(2026, 12, 6, 22), now, 'UTC')).toBe('22:00');
    expect(showTime(utc(2026, 12, 8, 22), now, 'UTC')).toBe('Tue 22:00');
    expect(showTime(utc(2027, 1, 20, 22), now, 'UTC')).toBe('2027-01-20 22:00');
  });
});
