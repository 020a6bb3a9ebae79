/**
 * Which inbox files were renamed in, known from the inbox's own change events (inotify through fs.watch):
 * a file written in place gets a `change` event for each write under its own name; a file written
 * elsewhere and renamed in (the safe way to submit) gets only the `rename` event of its arrival. So a file
 * whose name appeared with no `change` since is complete at once, even where the file system's coarse
 * timestamps leave its ctime equal to its mtime. The scan stays the truth: a file the events never
 * mentioned (it came while nobody watched, or events were lost) falls back to the ctime and settle rules.
 */
export class ArrivalTracker {
  /** Inbox path → true once a `change` event named it since its last `rename` event. */
  private readonly written = new Map<string, boolean>();

  /** An fs.watch event for `path` (`rename`: it appeared or went; `change`: it was written or touched). */
  note(event: 'rename' | 'change', path: string): void {
    if (event === 'rename') this.written.set(path, false);
    else this.written.set(path, true);
  }

  /** True when `path` arrived by a rename and was never written under its name since. */
  renamedIn(path: string): boolean {
    return this.written.get(path) === false;
  }

  /** Forgets paths no scan sees any more. */
  keepOnly(present: ReadonlySet<string>, under: string): void {
    for (const p of this.written.keys()) if (p.startsWith(under) && !present.has(p)) this.written.delete(p);
  }
}
