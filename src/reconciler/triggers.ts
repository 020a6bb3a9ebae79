import { watch, type FSWatcher } from 'chokidar';
import { watch as fsWatch, type FSWatcher as FsWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { DesiredState } from '../config/types.js';
import { requestsDir } from '../controls/requests.js';
import type { ArrivalTracker } from '../tasks/arrivals.js';

export interface TriggerOptions {
  configFile: string;
  log: Logger;
  /** The config in force: what is watched follows it (rewatch). */
  desired: () => DesiredState;
  /** Fed with how each inbox file arrived (src/tasks/arrivals.ts). */
  arrivals: ArrivalTracker;
  wake: (why: string) => void;
  reload: (why: string) => void;
}

/**
 * What wakes the loop from the file system: the config file (a reload), the inboxes, the agents' event
 * files and the control requests. Triggers carry no state: each only wakes the loop, and every pass
 * observes afresh (a missed event costs a resync, never a task).
 */
export class Triggers {
  private config: FSWatcher | null = null;
  private work: FSWatcher[] = [];
  private inboxes: FsWatcher[] = [];

  constructor(private readonly o: TriggerOptions) {}

  watchConfig(): void {
    const w = watch(this.o.configFile, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 20 } });
    w.on('all', () => this.o.reload('config file changed'));
    w.on('error', (err) => this.o.log.warn({ err: String(err) }, 'config watcher error'));
    this.config = w;
  }

  watchWork(): void {
    const d = this.o.desired();
    const inboxes = d.projects.map((p) => p.inbox);
    // inotify through fs.watch: it wakes the loop, says how each file arrived (src/tasks/arrivals.ts) and
    // which files the next scan must look at again (src/tasks/scan.ts). chokidar below covers what these
    // miss: an inbox missing now, or one removed and made again, is seen from its queue folder, and watched.
    const arrivals = this.o.arrivals;
    for (const inbox of inboxes) {
      try {
        const w = fsWatch(inbox, (event, name) => {
          if (!name) return;
          arrivals.note(event === 'change' ? 'change' : 'rename', join(inbox, name.toString()));
          this.o.wake('inbox changed');
        });
        arrivals.watching(inbox, true);
        // Without its watcher, the inbox is listed whole again each pass (src/tasks/scan.ts).
        w.on('error', () => w.close());
        w.on('close', () => arrivals.watching(inbox, false));
        this.inboxes.push(w);
      } catch {
        // a missing inbox: reported by the pass; its queue folder is watched below until it is there
      }
    }
    const events = join(d.controller.stateDir, 'sessions');
    const requests = requestsDir(d.controller.stateDir);
    const onError = (err: unknown) => this.o.log.warn({ err: String(err) }, 'watcher error; the periodic resync still runs');
    const w = watch([events, requests], { ignoreInitial: true, depth: 1 });
    w.on('all', (_ev, path) => {
      if (path.startsWith(requests)) {
        if (!path.endsWith('.reply.json')) this.o.wake('control request');
      } else this.o.wake('agent event');
    });
    w.on('error', onError);
    // Never the inboxes themselves: chokidar keeps a watcher and a stat per file (600 MB for 100,000 tasks).
    const queues = watch(inboxes.map((i) => dirname(i)), { ignoreInitial: true, depth: 0 });
    queues.on('addDir', (path) => {
      this.o.wake('inbox changed');
      // An inbox that appeared, or was made again (its old watcher watches the folder that went): watch it.
      if (inboxes.includes(path)) void this.rewatchWork();
    });
    queues.on('error', onError);
    this.work.push(w, queues);
  }

  /** Watches what the config in force names now (a reload changed the projects, an inbox came back). */
  async rewatchWork(): Promise<void> {
    await this.closeWork();
    this.watchWork();
  }

  async close(): Promise<void> {
    await Promise.all([this.config?.close(), this.closeWork()]);
    this.config = null;
  }

  private async closeWork(): Promise<void> {
    for (const w of this.inboxes.splice(0)) w.close();
    await Promise.all(this.work.splice(0).map((w) => w.close()));
  }
}
