import type { Logger } from 'pino';
import type { DesiredState } from '../config/types.js';
import type { SlotView } from '../machines/types.js';
import { SlotJournal } from './journal.js';
import { readStatusFile, sessionStatus, writeStatusFile, type FleetSummary, type ObservedForStatus, type StatusFile } from './status-file.js';

/** What a pass adds to the status file besides its snapshot and the slots. */
export interface PassFacts {
  cordoned: ReadonlySet<string>;
  problems: readonly string[];
  repairs: ReadonlyArray<{ at: number; what: string }>;
  fleet?: FleetSummary | null;
}

/**
 * The running controller's side of `agentpool status`: it keeps what the machines do not (the journal of
 * transitions, the config's reloads) and writes the status file (status-file.ts) after each pass. A failure
 * to write it is logged, never fatal.
 */
export class StatusWriter {
  readonly journal = new SlotJournal();
  private readonly startedAt = Date.now();
  private generation = 1;
  private lastReload: StatusFile['lastReload'] = null;

  constructor(private readonly configFile: string, private readonly log: Logger) {}

  /** Goes on from the status file a previous controller of this state folder wrote: its transitions. */
  async restore(stateDir: string): Promise<void> {
    const last = await readStatusFile(stateDir, 0).catch(() => null);
    if (last) this.journal.restore(last.status);
  }

  /** A reload of the config: taken (no errors; a new generation), or refused with the errors a person must fix. */
  reloaded(errors: string[]): void {
    if (errors.length === 0) this.generation++;
    this.lastReload = { at: Date.now(), ok: errors.length === 0, errors };
  }

  async write(d: DesiredState, snap: ObservedForStatus, views: readonly SlotView[], pass: PassFacts): Promise<void> {
    const byName = new Map(views.map((v) => [v.session, v]));
    const sessions = sessionStatus(d, snap, byName, { since: this.journal.since, lastError: this.journal.lastError, cordoned: pass.cordoned });
    await writeStatusFile(d.controller.stateDir, {
      version: 1, pid: process.pid, config: this.configFile, startedAt: this.startedAt, writtenAt: Date.now(),
      generation: this.generation, lastReload: this.lastReload,
      pool: { prefix: d.pool.prefix, desired: d.pool.size, actual: sessions.filter((r) => r.role === 'pool' && r.state !== 'absent').length, agent: d.pool.agent },
      sessions, problems: [...pass.problems], repairs: [...pass.repairs], transitions: this.journal.transitions(), taskTransitions: this.journal.taskTransitions(),
      ...(pass.fleet ? { fleet: pass.fleet } : {}),
    }).catch((err: Error) => this.log.warn({ err: err.message }, 'cannot write the status file'));
  }
}
