import { parseConfig } from '../../src/config/parse.js';
import { formatConfigError, type DesiredState, type Priority } from '../../src/config/types.js';
import type { HookSummary } from '../../src/agents/events.js';
import type { ScreenReading } from '../../src/agents/screen.js';
import { hookTurn } from '../../src/drivers/hooks.js';
import type { SlotState, SlotView } from '../../src/machines/types.js';
import type { AgentSignals, ObservedSession, Snapshot } from '../../src/reconciler/snapshot.js';
import { slotStateTags } from '../../src/reconciler/slot-tags.js';
import type { ProjectQueue } from '../../src/tasks/scan.js';
import type { ActiveTask, PendingTask, RejectedTask, Sidecar } from '../../src/tasks/types.js';

/** Shared builders for the pure reconciler tests: a realistic config and hand-made snapshots. */

export const NOW = 1_700_000_000_000;
export const WEBAPP = '/src/webapp';
export const BILLING = '/src/billing';

/** A desired state through the real config pipeline; `size` and extra YAML lines vary per test. */
export function desired(size = 3, ...extra: string[]): DesiredState {
  return desiredFor('claude', size, ...extra);
}

/** The same with another pool agent (its profile goes in `extra`, e.g. `agents:` lines). */
export function desiredFor(agent: string, size: number, ...extra: string[]): DesiredState {
  const text = [
    'tmux:',
    '  socket: test',
    'pool:',
    '  prefix: ccl-auto-',
    `  size: ${size}`,
    `  agent: ${agent}`,
    // A fresh agent per task; prewarm has its own tests (plan-warm.test.ts).
    '  prewarm: false',
    '  cooldown: { afterTask: 5s, afterFailure: 5m }',
    'projects:',
    `  - path: ${WEBAPP}`,
    `  - path: ${BILLING}`,
    '    name: billing',
    'dedicated: [ccl-main]',
    'tasks: { maxAttempts: 3, retryBackoff: 30s }',
    ...extra,
    '',
  ].join('\n');
  let value = parsed.get(text);
  if (!value) {
    const r = parseConfig(text, '/etc/agentpool/desired-state.yaml', { HOME: '/home/u' });
    if ('errors' in r) throw new Error(r.errors.map(formatConfigError).join('\n'));
    parsed.set(text, (value = r.value));
  }
  // A copy, so a test may adjust its own.
  return structuredClone(value);
}

const parsed = new Map<string, DesiredState>();

export const names = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `ccl-auto-${from + i}`);

/** An observed session; `saved` and `process` may be given in part. */
export function observed(
  name: string,
  o: Omit<Partial<ObservedSession>, 'saved' | 'process'> & { saved?: Partial<ObservedSession['saved']>; process?: Partial<ObservedSession['process']> } = {},
): ObservedSession {
  const n = Number(name.replace(/\D/g, '')) || 99;
  const { saved, process, ...rest } = o;
  return {
    name, ref: `$${n}/%${n}`, owned: true,
    tags: { pool: 'ccl-auto-', slot: name.replace(/^\D*/, '') },
    ...rest,
    process: { dead: false, status: null, signal: null, ...process },
    saved: { state: 'idle', task: '', until: null, agent: '', ...saved },
  };
}

export function view(session: string, state: SlotState, o: Partial<SlotView> = {}): SlotView {
  return { session, state, task: null, deadline: null, draining: false, verdict: null, agent: null, warm: null, ...o };
}

export function views(...vs: SlotView[]): Map<string, SlotView> {
  return new Map(vs.map((v) => [v.session, v]));
}

export function pending(project: string, name: string, o: Partial<PendingTask> = {}): PendingTask {
  return { path: `${project}/.agent-queue/inbox/${name}`, project, name, priority: 'default', arrivedAt: NOW - 60_000, attempts: 0, notBefore: 0, where: 'inbox', ...o };
}

export function rejected(project: string, name: string, reason = 'the file is empty: write the task in it'): RejectedTask {
  return { path: `${project}/.agent-queue/inbox/${name}`, project, name, reason };
}

export function active(project: string, name: string, sc: Partial<Sidecar> = {}): ActiveTask {
  const sidecar: Sidecar = {
    version: 1, task: name, project, priority: 'default', arrivedAt: NOW - 120_000, attempts: 1, state: 'submitted',
    session: 'ccl-auto-1', model: 'sonnet', agentSessionId: null, transcriptPath: null, claimedAt: NOW - 60_000,
    launchedAt: NOW - 59_000, submittedAt: NOW - 58_000, notBefore: 0, history: [], ...sc,
  };
  return { path: `${project}/.agent-queue/active/${name}`, project, name, sidecar };
}

/** The pending entry the scanner makes of a queued task in active/. */
export function queuedPending(a: ActiveTask): PendingTask {
  return {
    path: a.path, project: a.project, name: a.name, priority: a.sidecar.priority, arrivedAt: a.sidecar.arrivedAt,
    attempts: a.sidecar.attempts, notBefore: a.sidecar.notBefore, where: 'active',
  };
}

export function queue(project: string, o: Partial<ProjectQueue> = {}): ProjectQueue {
  return { project, pending: [], rejected: [], active: [], settlingUntil: null, settling: [], problems: [], warnings: [], ...o };
}

/** What a hook-driven agent's driver reads when its events file says `hooks` (and its screen `screen`). */
export function signals(o: { hooks?: Partial<HookSummary>; screen?: Partial<ScreenReading> | null; screenText?: string | null } = {}): AgentSignals {
  const events = { started: true, prompts: [], ...o.hooks };
  return {
    prompted: events.prompts.length > 0,
    turn: hookTurn(events),
    screen: o.screen === null || o.screen === undefined ? null : { ready: false, dialog: false, busy: false, ...o.screen },
    screenText: o.screenText ?? null,
  };
}

export function snapshot(o: {
  sessions?: ObservedSession[];
  queues?: ProjectQueue[];
  agents?: Record<string, AgentSignals>;
  backend?: Snapshot['backend'];
  now?: number;
  agentMissing?: string;
  unprepared?: string[];
} = {}): Snapshot {
  return {
    now: o.now ?? NOW,
    backend: o.backend ?? { ok: true },
    sessions: new Map((o.sessions ?? []).map((s) => [s.name, s])),
    queues: o.queues ?? [queue(WEBAPP), queue(BILLING)],
    agents: new Map(Object.entries(o.agents ?? {})),
    ...(o.agentMissing ? { agentMissing: o.agentMissing } : {}),
    ...(o.unprepared ? { unprepared: o.unprepared } : {}),
  };
}

/** Owned idle sessions with idle machines: a converged pool. */
export function idlePool(list: string[]): { sessions: ObservedSession[]; views: Map<string, SlotView> } {
  return { sessions: list.map((n) => observed(n)), views: views(...list.map((n) => view(n, 'idle'))) };
}

export const MODEL: Record<Priority, string> = { critical: 'opus', high: 'sonnet', default: 'sonnet', low: 'sonnet' };

/** The sessions with the slot state their machines have saved on them, as a running controller keeps it. */
export function synced(sessions: ObservedSession[], v: ReadonlyMap<string, SlotView>): ObservedSession[] {
  return sessions.map((s) => {
    const w = v.get(s.name);
    if (!w) return s;
    const tags = slotStateTags(w);
    if (!tags) return { ...s, saved: { state: w.state, task: w.task ?? '', until: w.deadline, agent: w.agent ?? '' } };
    return { ...s, saved: { state: tags.state, task: tags.task, until: tags.until ? Number(tags.until) : null, agent: tags.agent } };
  });
}
