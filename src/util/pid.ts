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
  const signal = (s: NodeJS.Signals | 0) => {
    try {
      process.kill(-pgid, s);
      return true;
    } catch {
      return false;
    }
  };
  if (!signal(0) || !signal('SIGTERM')) return;
  setTimeout(() => signal(0) && signal('SIGKILL'), graceMs).unref();
}
