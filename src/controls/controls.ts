import { readFile } from 'node:fs/promises';
import { exists } from '../util/fs.js';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { DesiredState } from '../config/types.js';
import type { Slots } from '../machines/slots.js';
import { writeJsonAtomic } from '../tasks/atomic.js';
import { SIDECAR_SUFFIX } from '../tasks/layout.js';
import { readSidecar } from '../tasks/scan.js';
import { cancelTask, retryTask, updateSidecar } from '../tasks/store.js';
import type { ActiveTask } from '../tasks/types.js';
import { isPoolName } from '../config/pool.js';
import { projectOfTask } from '../tasks/task-id.js';
import { answerRequest, pendingRequests, type ControlReply, type ControlRequest } from './requests.js';

export interface ControlsDeps {
  stateDir: string;
  slots: Slots;
  log: Logger;
  now: () => number;
  /** Whether a session has actions running right now (its slot is not to be told anything then). */
  busy: (session: string) => boolean;
  /** Whether a task is being claimed right now. */
  claiming: (path: string) => boolean;
  /** The tasks in active/ as the last pass saw them. */
  activeTasks: () => ActiveTask[];
}

/**
 * The controller's side of the controls (src/controls/requests.ts): it acts on each request between
 * passes, as the only writer of tasks and slots. Cordoned sessions take no new work; the set is kept in
 * `<stateDir>/cordoned.json`, so it outlives the controller and a dry run plans with it too.
 */
export class Controls {
  private cordonedSet = new Set<string>();

  constructor(private readonly deps: ControlsDeps) {}

  get cordoned(): ReadonlySet<string> {
    return this.cordonedSet;
  }

  async load(): Promise<void> {
    this.cordonedSet = await readCordoned(this.deps.stateDir);
  }

  /** Acts on every waiting request it can act on now; true when one changed something. */
  async handle(d: DesiredState): Promise<boolean> {
    let changed = false;
    // A cancel recorded by a controller that died before it stopped the agent (adopted since): finish it.
    for (const t of this.deps.activeTasks()) {
      const holder = t.sidecar.cancel && this.deps.slots.views().find((v) => v.task === t.path);
      if (holder && ['launching', 'awaitingPrompt', 'working'].includes(holder.state) && !this.deps.busy(holder.session)) {
        this.stopCancelled(holder.session, t.sidecar.cancel!.reason);
      }
    }
    for (const req of await pendingRequests(this.deps.stateDir)) {
      const reply = await this.act(d, req).catch((err: Error) => ({ ok: false, message: `could not ${req.kind}: ${err.message}` }));
      if (reply === 'later') continue;
      await answerRequest(this.deps.stateDir, req, reply);
      // A refused request is the requester's to read (the reply says why), not a problem of the controller's.
      this.deps.log.info({ request: req.kind, target: req.target, ok: reply.ok }, reply.message);
      changed ||= reply.ok;
    }
    return changed;
  }

  private async act(d: DesiredState, req: ControlRequest): Promise<ControlReply | 'later'> {
    switch (req.kind) {
      case 'cordon':
      case 'uncordon':
        return this.cordon(d, req.target, req.kind === 'cordon');
      case 'retry':
        return this.retry(req.target);
      case 'cancel':
        return this.cancel(d, req.target);
    }
  }

  private async cordon(d: DesiredState, session: string, on: boolean): Promise<ControlReply> {
    if (!isPoolName(d, session)) return { ok: false, message: `${session} is not a session of the pool ${d.pool.prefix}*` };
    if (on === this.cordonedSet.has(session)) return { ok: true, message: `${session} is ${on ? 'already cordoned' : 'not cordoned'}` };
    if (on) this.cordonedSet.add(session);
    else this.cordonedSet.delete(session);
    await writeJsonAtomic(this.file(), [...this.cordonedSet].sort());
    if (!on) return { ok: true, message: `${session} takes tasks again` };
    const task = this.deps.slots.view(session).task;
    return { ok: true, message: task ? `${session} finishes ${basename(task)}, then takes no new work` : `${session} takes no new work` };
  }

  private async retry(path: string): Promise<ControlReply> {
    const where = basename(dirname(path));
    if (!(await exists(path))) return { ok: false, message: `${path} is not there any more` };
    if (where !== 'failed') {
      const why = where === 'done' ? 'it is done; copy it into the inbox to run it again' : where === 'active' ? 'it is active: running, or queued for its next attempt' : 'it is waiting in the inbox';
      return { ok: false, message: `${basename(path)} cannot be retried: ${why}` };
    }
    const dest = await retryTask(path, { now: this.deps.now(), reason: 'retried with agentpool retry' });
    return { ok: true, message: `${basename(path)} is queued again (${dest}), attempts reset, its history kept` };
  }

  private async cancel(d: DesiredState, path: string): Promise<ControlReply | 'later'> {
    const where = basename(dirname(path));
    const reason = 'cancelled with agentpool cancel';
    if (!(await exists(path))) return { ok: false, message: `${path} is not there any more` };
    if (where === 'done' || where === 'failed') return { ok: false, message: `${basename(path)} has already ended (in ${where}/)` };
    const project = projectOfTask(d, path)?.path ?? '';
    if (where !== 'active') {
      const dest = await cancelTask(path, 'inbox', { now: this.deps.now(), reason, project });
      return { ok: true, message: `${basename(path)} cancelled before it started: ${dest}` };
    }
    const holder = this.deps.slots.views().find((v) => v.task === path);
    if (holder) {
      // Its agent is mid-action (a submit, a stop): told once that action is over.
      if (this.deps.busy(holder.session)) return 'later';
      if (holder.state === 'stopping') return { ok: false, message: `${basename(path)} is already ending in ${holder.session}` };
      // Written first: a controller that dies before the agent is stopped finishes the cancel on restart.
      await updateSidecar(path, { cancel: { at: this.deps.now(), reason } });
      this.stopCancelled(holder.session, reason);
      return { ok: true, message: `cancelling ${basename(path)}: the agent in ${holder.session} is stopped and the task goes to failed/` };
    }
    const sidecar = await readSidecar(path + SIDECAR_SUFFIX);
    // Claimed a moment ago, or left by a session that went away (the next pass requeues it): not yet.
    if (this.deps.claiming(path) || (sidecar && sidecar.state !== 'queued')) return 'later';
    const dest = await cancelTask(path, 'active', { now: this.deps.now(), reason, project });
    return { ok: true, message: `${basename(path)} cancelled while it waited for its next attempt: ${dest}` };
  }

  private stopCancelled(session: string, reason: string): void {
    this.deps.slots.send(session, { type: 'FAILED', verdict: { outcome: 'cancelled', reason } });
  }

  private file(): string {
    return cordonedFile(this.deps.stateDir);
  }
}

function cordonedFile(stateDir: string): string {
  return join(stateDir, 'cordoned.json');
}

/** The cordoned sessions, as the controller keeps them (an unreadable file counts as none). */
export async function readCordoned(stateDir: string): Promise<Set<string>> {
  const names = await readFile(cordonedFile(stateDir), 'utf8').then((t) => JSON.parse(t) as unknown, () => []);
  return new Set(Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : []);
}
