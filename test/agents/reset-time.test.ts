import { describe, it, expect } from 'vitest';
import { parseResetTime } from '../../src/agents/reset-time.js';

// 2024-01-15 20:00 UTC = 12:00 PST in Los Angeles = 15:00 in Etc/GMT+5 (UTC−5) = 05:00 (Jan 16) in Tokyo.
const NOW = Date.UTC(2024, 0, 15, 20, 0);

describe('parseResetTime', () => {
  it('reads Claude Code’s session-limit line in its named zone, rolling over to tomorrow', () => {
    expect(parseResetTime("You've hit your session limit · resets 12:50am (America/Los_Angeles)", NOW)).toBe(Date.UTC(2024, 0, 16, 8, 50));
  });

  it('keeps today when the time is still ahead there', () => {
    expect(parseResetTime('resets 1pm (America/Los_Angeles)', NOW)).toBe(Date.UTC(2024, 0, 15, 21, 0));
    expect(parseResetTime('resets 9:15pm (UTC)', NOW)).toBe(Date.UTC(2024, 0, 15, 21, 15));
  });

  it('reads "will reset at" and a POSIX-style Etc zone (Etc/GMT+5 is UTC−5)', () => {
    expect(parseResetTime('Claude usage limit reached. Your limit will reset at 1pm (Etc/GMT+5)', NOW)).toBe(Date.UTC(2024, 0, 16, 18, 0));
    expect(parseResetTime('Your limit will reset at 4pm (Etc/GMT+5)', NOW)).toBe(Date.UTC(2024, 0, 15, 21, 0));
  });

  it('uses the given local zone when the text names none', () => {
    expect(parseResetTime('5-hour limit reached ∙ resets 5am', NOW, 'UTC')).toBe(Date.UTC(2024, 0, 16, 5, 0));
    expect(parseResetTime('5-hour limit reached ∙ resets 5am', NOW, 'America/Los_Angeles')).toBe(Date.UTC(2024, 0, 16, 13, 0));
  });

  it('a named zone wins over the local one', () => {
    expect(parseResetTime('resets 12:50am (America/Los_Angeles)', NOW, 'Asia/Tokyo')).toBe(Date.UTC(2024, 0, 16, 8, 50));
  });

  it('a named minute that has begun ends the limit when it ends, not tomorrow', () => {
    // Claude Code 2.1.197 truncates the reset to the minute (03:04:34 reads "3:04am"), so "resets 5am" seen
    // at 05:00 (or 05:00:59) in Tokyo means within this minute.
    expect(parseResetTime('resets 5am', NOW, 'Asia/Tokyo')).toBe(NOW + 60_000);
    expect(parseResetTime('resets 5am', NOW + 59_000, 'Asia/Tokyo')).toBe(NOW + 60_000);
    // A minute over: tomorrow's.
    expect(parseResetTime('resets 5am', NOW + 60_000, 'Asia/Tokyo')).toBe(Date.UTC(2024, 0, 16, 20, 0));
  });

  it('reads the dated form Claude Code uses for resets more than a day ahead', () => {
    expect(parseResetTime("You've hit your weekly limit · resets Jan 18, 3:04am (UTC)", NOW)).toBe(Date.UTC(2024, 0, 18, 3, 4));
    expect(parseResetTime('resets Jan 18, 3pm (America/Los_Angeles)', NOW)).toBe(Date.UTC(2024, 0, 18, 23, 0));
    // With a year when it is not this one; without, a date already past is next year's.
    expect(parseResetTime('resets Jan 5, 2025, 3pm (UTC)', NOW)).toBe(Date.UTC(2025, 0, 5, 15, 0));
    expect(parseResetTime('resets Jan 2, 9am (UTC)', NOW)).toBe(Date.UTC(2025, 0, 2, 9, 0));
    expect(parseResetTime('resets Jan 40, 9am (UTC)', NOW)).toBeUndefined();
  });

  it('reads 12am as midnight and 12pm as noon, and 24-hour times with minutes', () => {
    expect(parseResetTime('resets 12am (UTC)', NOW)).toBe(Date.UTC(2024, 0, 16, 0, 0));
    expect(parseResetTime('resets 12pm (UTC)', NOW)).toBe(Date.UTC(2024, 0, 16, 12, 0));
    expect(parseResetTime('resets 21:30 (UTC)', NOW)).toBe(Date.UTC(2024, 0, 15, 21, 30));
    expect(parseResetTime('resets 17:30 (UTC)', NOW)).toBe(Date.UTC(2024, 0, 16, 17, 30));
    expect(parseResetTime('RESETS 10PM (utc)', NOW)).toBe(Date.UTC(2024, 0, 15, 22, 0));
  });

  it('rolls over month and year ends', () => {
    expect(parseResetTime('resets 5am (UTC)', Date.UTC(2024, 0, 31, 23, 0))).toBe(Date.UTC(2024, 1, 1, 5, 0));
    expect(parseResetTime('resets 1am (UTC)', Date.UTC(2024, 11, 31, 23, 59))).toBe(Date.UTC(2025, 0, 1, 1, 0));
    expect(parseResetTime('resets 5am (UTC)', Date.UTC(2024, 1, 28, 12, 0))).toBe(Date.UTC(2024, 1, 29, 5, 0));
  });

  it('gets the offset right across a daylight-saving change', () => {
    // 2024-03-10: Los Angeles springs forward at 2am; 3am is PDT (UTC−7).
    expect(parseResetTime('resets 3am (America/Los_Angeles)', Date.UTC(2024, 2, 9, 20, 0))).toBe(Date.UTC(2024, 2, 10, 10, 0));
    // In summer 12:50am is PDT too.
    expect(parseResetTime('resets 12:50am (America/Los_Angeles)', Date.UTC(2024, 6, 1, 12, 0))).toBe(Date.UTC(2024, 6, 2, 7, 50));
  });

  it('is undefined when the text names no time', () => {
    for (const text of [
      'Claude usage limit reached.',
      'API Error: Server is temporarily limiting requests (not your usage limit) · Rate limited',
      'resets soon',
      'resets in 2 hours',
      'resets 5',
      'resets at 5 (UTC)',
      '',
    ]) {
      expect(parseResetTime(text, NOW, 'UTC'), text).toBeUndefined();
    }
  });

  it('is undefined for impossible times and unknown zones', () => {
    for (const text of ['resets 13pm', 'resets 0am', 'resets 12:75am', 'resets 25:00', 'resets 5am (Mars/Olympus_Mons)']) {
      expect(parseResetTime(text, NOW, 'UTC'), text).toBeUndefined();
    }
  });

  it('finds the time inside a longer screen', () => {
    const screen = ['> [t.md] do it', '', "● You've hit your session limit · resets 3pm (UTC)", '  /upgrade to increase your usage limit.'].join('\n');
    expect(parseResetTime(screen, NOW)).toBe(Date.UTC(2024, 0, 16, 15, 0));
  });

  it("reads Codex CLI's and Gemini CLI's wording", () => {
    // Codex 0.171: local time, with a date when not today; the apostrophe is U+2019.
    expect(parseResetTime('■ You’ve hit your usage limit. Try again at 3:58 PM.', NOW, 'UTC')).toBe(Date.UTC(2024, 0, 16, 15, 58));
    expect(parseResetTime('Try again at Jan 18th, 2024 2:58 AM.', NOW, 'UTC')).toBe(Date.UTC(2024, 0, 18, 2, 58));
    // Gemini 0.61: a bare zone name after the time.
    expect(parseResetTime('Usage limit reached for gemini-2.5-flash.\nAccess resets at 3:04 PM UTC.', NOW, 'America/New_York')).toBe(Date.UTC(2024, 0, 16, 15, 4));
  });
});
