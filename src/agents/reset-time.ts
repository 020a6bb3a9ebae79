/**
 * When does a usage limit reset? Agents say it in words: "resets 12:50am (America/Los_Angeles)",
 * "Your limit will reset at 1pm (Etc/GMT+5)", "resets 5am". Pure: text + now → epoch ms of the next such
 * wall-clock time in that zone (the local zone when none is named), or undefined when the text names none.
 */
const RESET = /\bresets?\b(?:\s+at)?\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?(?:\s*\(([^)]+)\))?/i;

export function parseResetTime(text: string, now: number, localZone?: string): number | undefined {
  const m = RESET.exec(text);
  if (!m) return undefined;
  let hour = Number(m[1]);
  const minute = m[2] ? Number(m[2]) : 0;
  const ampm = m[3]?.toLowerCase();
  if (ampm) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (ampm === 'pm' ? 12 : 0);
  } else if (!m[2] || hour > 23) {
    return undefined; // "resets 5" is no time
  }
  if (minute > 59) return undefined;
  const zone = m[4]?.trim() || localZone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    const today = wallParts(now, zone);
    for (let day = 0; day <= 1; day++) {
      const guess = Date.UTC(today.year, today.month - 1, today.day + day, hour, minute);
      const t = guess - offsetMs(guess, zone);
      // Re-check with the offset at the result (DST edges).
      const exact = guess - offsetMs(t, zone);
      if (exact > now) return exact;
    }
  } catch {
    return undefined; // an unknown zone name
  }
  return undefined;
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
