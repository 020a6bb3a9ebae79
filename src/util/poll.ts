/** How often a condition is looked at again while waiting for it. */
const POLL_MS = 25;

/**
 * Polls `probe` until true or `ms` pass: waiting on the outside world, with a deadline. The first look
 * again is after `everyMs`; the gap then doubles up to POLL_MS (or `everyMs`, if longer), so a quick
 * first look for what usually comes at once does not go on at that rate while many sessions wait.
 */
export async function poll(probe: () => Promise<boolean>, ms: number, everyMs = POLL_MS): Promise<boolean> {
  const deadline = Date.now() + ms;
  const most = Math.max(everyMs, POLL_MS);
  for (let gap = everyMs; ; gap = Math.min(most, gap * 2)) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, Math.min(gap, Math.max(0, deadline - Date.now()))));
  }
}
