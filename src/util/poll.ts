/** How often a condition is looked at again while waiting for it. */
const POLL_MS = 25;

/** Polls `probe` (every `everyMs`) until true or `ms` pass. Waiting on the outside world, with a deadline. */
export async function poll(probe: () => Promise<boolean>, ms: number, everyMs = POLL_MS): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
