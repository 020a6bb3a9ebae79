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
  /** Paths named by an event since a scan last took them, and the inboxes a live watcher covers. */
  private readonly touched = new Set<string>();
  private readonly watched = new Set<string>();
  /** Inboxes whose watcher (re)started: what came before it was never reported, so they are listed whole. */
  private readonly relist = new Set<string>();

  /** An fs.watch event for `path` (`rename`: it appeared or went; `change`: it was written or touched). */
  note(event: 'rename' | 'change', path: string): void {
    this.written.set(path, { written: event === 'change', at: ++this.clock });
    this.touched.add(path);
  }

  /** Whether a watcher reports every change in `inbox` (set while one runs; cleared when it fails or closes). */
  watching(inbox: string, on: boolean): void {
    if (on) this.watched.add(inbox);
    else this.watched.delete(inbox);
    this.relist.add(inbox);
  }

  /** Whether a watcher has reported every change in `inbox` since the last call; the answer is given once. */
  coversSinceLastLook(inbox: string): boolean {
    const relisted = this.relist.delete(inbox);
    return this.watched.has(inbox) && !relisted;
  }

  /** The paths in `inbox` events named since the last call, forgotten as they are returned. */
  takeTouched(inbox: string): string[] {
    const prefix = `${inbox}/`;
    const out: string[] = [];
    for (const p of this.touched) {
      if (!p.startsWith(prefix)) continue;
      out.push(p);
      this.touched.delete(p);
    }
    return out;
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
