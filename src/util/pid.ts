/** True while a process with this pid exists (EPERM: it exists but is not ours). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Ends what is left of a process group that was asked to end (tmux sends SIGHUP when it replaces or
 * kills a pane): SIGTERM now, SIGKILL after `graceMs` if anything of it still runs. Gemini CLI 0.61 ignores
 * SIGHUP and would run on, unseen, after its pane got a new program. Nothing happens to a group that is gone.
 */
export function endProcessGroup(pgid: number, graceMs = 3_000): void {
  if (!signal(-pgid, 0) || !signal(-pgid, 'SIGTERM')) return;
  setTimeout(() => signal(-pgid, 0) && signal(-pgid, 'SIGKILL'), graceMs).unref();
}

/** Sends `sig` to `pid` (a group: `-pgid`); false when it is gone or not ours. */
export function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends `pid`: SIGTERM, and SIGCONT so a stopped process acts on it, then SIGKILL if it still runs after
 * `graceMs`. Resolves once it is gone or was killed.
 */
export async function endProcess(pid: number, graceMs = 1_000): Promise<void> {
  if (!signal(pid, 'SIGTERM')) return;
  signal(pid, 'SIGCONT');
  if (!(await whenGone(pid, graceMs))) signal(pid, 'SIGKILL');
}

/** Waits up to `withinMs` for `pid` to be gone (looking every 20 ms); true once it is. */
export async function whenGone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (signal(pid, 0)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}
