/**
 * Which inbox files were renamed in, known from the inbox's own change events (inotify through fs.watch):
 * a file written in place gets a `change` event for each write under its own name; a file written
 * elsewhere and renamed in (the safe way to submit) gets only the `rename` event of its arrival. So a file
 * whose name appeared with no `change` since is complete at once, even where the file system's coarse
 * timestamps leave its ctime equal to its mtime. The scan stays the truth: a file the events never
 * mentioned (it came while nobody watched, or events were lost) falls back to the ctime and settle rules.
 */
export class ArrivalTracker {
  /** Inbox path → whether a `change` event named it since its last `rename` event, and when it was noted. */
  private readonly written = new Map<string, { written: boolean; at: number }>();
  private clock = 0;

  /** An fs.watch event for `path` (`rename`: it appeared or went; `change`: it was written or touched). */
  note(event: 'rename' | 'change', path: string): void {
    this.written.set(path, { written: event === 'change', at: ++this.clock });
  }

  /** True when `path` arrived by a rename and was never written under its name since. */
  renamedIn(path: string): boolean {
    return this.written.get(path)?.written === false;
  }

  /** A mark to give keepOnly: taken before a scan lists the inbox. */
  mark(): number {
    return this.clock;
  }

  /**
   * Forgets paths a scan did not see, of those noted before the scan began (`mark`): an event that comes
   * while the scan runs may be about a file its listing was too early to see.
   */
  keepOnly(present: ReadonlySet<string>, under: string, mark: number): void {
    for (const [p, e] of this.written) if (e.at <= mark && p.startsWith(under) && !present.has(p)) this.written.delete(p);
  }
}
