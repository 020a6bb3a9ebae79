/**
 * When does a usage limit reset? Agents say it in words: "resets 12:50am (America/Los_Angeles)",
 * "Your limit will reset at 1pm (Etc/GMT+5)", "resets 5am", and for more than a day ahead with a date:
 * "resets Nov 27, 3:03am (UTC)", "resets Jan 5, 2027, 3pm (UTC)" (Claude Code 2.1.197); Codex CLI 0.171
 * "Try again at 2:58 AM." or "Try again at Dec 3rd, 2026 2:58 AM."; Gemini CLI 0.61 "Access resets at
 * 3:04 AM UTC.".
 *
 * Pure: text + now → epoch ms of that wall-clock time in that zone (the local zone when none is named), or
 * undefined when the text names none. A time of day without a date is the next such time. Claude Code
 * shows the reset truncated to the minute (a reset at 3:04:34 reads "3:04am"), so a named minute that has
 * begun but not ended is taken to end the limit when that minute ends, not tomorrow.
 */
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const RESET = new RegExp(
  '(?:\\bresets?\\b|\\btry again\\b)(?:\\s+at)?\\s+' +
    // An optional date: "Nov 27, ", "Jan 5, 2027, ", Codex's "Dec 3rd, 2026 ".
    `(?:(${MONTHS.join('|')})[a-z]*\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(?:(\\d{4}),?\\s+)?(?:at\\s+)?)?` +
    // The zone in parentheses (Claude Code) or as a bare UTC/GMT (Gemini CLI: "3:04 AM UTC").
    '(\\d{1,2})(?::(\\d{2}))?\\s*(am|pm)?(?:\\s*\\(([^)]+)\\)|\\s+(UTC|GMT)\\b)?',
  'i',
);
const MINUTE = 60_000;

export function parseResetTime(text: string, now: number, localZone?: string): number | undefined {
  const m = RESET.exec(text);
  if (!m) return undefined;
  const [, monthName, dayText, yearText, hourText, minuteText, ampmText, zoneInParens, bareZone] = m;
  const zoneText = zoneInParens ?? bareZone;
  let hour = Number(hourText);
  const minute = minuteText ? Number(minuteText) : 0;
  const ampm = ampmText?.toLowerCase();
  if (ampm) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (ampm === 'pm' ? 12 : 0);
  } else if (!minuteText || hour > 23) {
    return undefined; // "resets 5" is no time
  }
  if (minute > 59) return undefined;
  const zone = zoneText?.trim() || localZone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  // The named minute has begun and not ended: the limit ends within it, so at its end at the latest.
  const settle = (t: number) => (t > now ? t : now - t < MINUTE ? t + MINUTE : undefined);
  try {
    const today = wallParts(now, zone);
    if (monthName) {
      const month = MONTHS.indexOf(monthName.slice(0, 3).toLowerCase());
      const day = Number(dayText);
      if (day < 1 || day > 31) return undefined;
      // No year is shown for this year; a date already past (by more than the minute) means next year's.
      for (const year of yearText ? [Number(yearText)] : [today.year, today.year + 1]) {
        const t = settle(instant(zone, year, month, day, hour, minute));
        if (t !== undefined) return t;
      }
      return undefined;
    }
    for (let day = 0; day <= 1; day++) {
      const t = settle(instant(zone, today.year, today.month - 1, today.day + day, hour, minute));
      if (t !== undefined) return t;
    }
  } catch {
    return undefined; // an unknown zone name
  }
  return undefined;
}

/** Epoch ms of a wall-clock time in `zone` (month 0-based; days past the month's end roll over). */
function instant(zone: string, year: number, month: number, day: number, hour: number, minute: number): number {
  const guess = Date.UTC(year, month, day, hour, minute);
  const t = guess - offsetMs(guess, zone);
  // Re-check with the offset at the result (DST edges).
  return guess - offsetMs(t, zone);
}

function wallParts(t: number, zone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** The zone's offset from UTC at instant t, in ms (wall time − UTC). */
function offsetMs(t: number, zone: string): number {
  const w = wallParts(t, zone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(t / 1000) * 1000;
}
