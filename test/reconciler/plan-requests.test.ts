/** A person's requests (retry, cancel, cordon) as planned actions: what the pass does with them, and what it leaves for later. */
import { describe, expect, it } from 'vitest';
import type { ControlRequest } from '../../src/controls/requests.js';
import type { Action } from '../../src/reconciler/actions.js';
import { plan } from '../../src/reconciler/plan.js';
import { active, desired, idlePool, names, NOW, observed, pending, queue, queuedPending, signals, snapshot, view, views, WEBAPP, BILLING } from './fixtures.js';

const kinds = (actions: Action[]) => actions.map((a) => `${a.kind} ${'session' in a ? a.session : ''}`.trim());
const req = (kind: ControlRequest['kind'], target: string, ago = 12_000): ControlRequest => ({ id: `${NOW - ago}-${kind}`, kind, target, at: NOW - ago });
const withRequests = (snap: ReturnType<typeof snapshot>, ...requests: ControlRequest[]) => ({ ...snap, requests });

describe('plan: a person\'s requests', () => {
  it('cancels a task in the inbox before any slot can claim it', () => {
    const a = pending(WEBAPP, 'a.md');
    const pool = idlePool(names(1, 1));
    const snap = withRequests(snapshot({ sessions: pool.sessions, queues: [queue(WEBAPP, { pending: [a] }), queue(BILLING)] }), req('cancel', a.path));
    expect(plan(desired(1), snap, pool.views)).toEqual([{ kind: 'cancel-task', path: a.path, project: WEBAPP, request: { id: `${NOW - 12_000}-cancel`, at: NOW - 12_000 } }]);
  });

  it('stops the agent of a task at work through its slot, and plans nothing else for that slot', () => {
    const t = active(WEBAPP, 't.md', { state: 'launched' });
    const sessions = [observed('ccl-auto-1', { saved: { state: 'awaitingPrompt', task: t.path, until: NOW + 30_000, agent: 'claude' } })];
    const v = views(view('ccl-auto-1', 'awaitingPrompt', { task: t.path, agent: 'claude', deadline: NOW + 30_000 }));
    const snap = withRequests(snapshot({ sessions, queues: [queue(WEBAPP, { active: [t] })], agents: { 'ccl-auto-1': signals({ screen: { ready: true } }) } }), req('cancel', t.path));
    expect(kinds(plan(desired(1), snap, v))).toEqual(['cancel-task ccl-auto-1']);
    // Its slot has actions running: the request waits for them (told once they are over).
    expect(plan(desired(1), snap, v, { inFlight: new Set(['ccl-auto-1']) })).toEqual([]);
  });

  it('waits with a queued task being claimed, or one left by a session that went away (it is requeued first)', () => {
    const queued = active(WEBAPP, 'q.md', { state: 'queued', session: null });
    const left = active(WEBAPP, 'left.md', { state: 'submitted', session: 'ccl-auto-9' });
    const pool = idlePool(names(1, 1));
    const q = [queue(WEBAPP, { active: [queued, left], pending: [queuedPending(queued)] })];
    const snap = withRequests(snapshot({ sessions: pool.sessions, queues: q }), req('cancel', queued.path), req('cancel', left.path));
    // In path order: left.md, then q.md.
    expect(kinds(plan(desired(1), snap, pool.views))).toEqual(['requeue-task', 'cancel-task']);
    expect(kinds(plan(desired(1), snap, pool.views, { claiming: new Set([queued.path]) }))).toEqual(['requeue-task']);
  });

  it('finishes a cancel that a controller recorded before it died, once, without a request', () => {
    const t = active(WEBAPP, 't.md', { state: 'submitted', cancel: { at: NOW - 1_000, reason: 'cancelled with agentpool cancel' } });
    const sessions = [observed('ccl-auto-1', { saved: { state: 'working', task: t.path, until: NOW + 60_000, agent: 'claude' } })];
    const v = views(view('ccl-auto-1', 'working', { task: t.path, agent: 'claude', deadline: NOW + 60_000 }));
    const snap = snapshot({ sessions, queues: [queue(WEBAPP, { active: [t] })] });
    expect(plan(desired(1), snap, v)).toEqual([{ kind: 'cancel-task', path: t.path, project: WEBAPP, session: 'ccl-auto-1' }]);
    expect(plan(desired(1), withRequests(snap, req('cancel', t.path)), v).filter((a) => a.kind === 'cancel-task')).toHaveLength(1);
  });

  it('plans with a cordon at once: the cordoned slot takes no task in the same pass, an uncordoned one does', () => {
    const pool = idlePool(names(1, 2));
    const q = [queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md'), pending(WEBAPP, 'b.md')] })];
    const snap = withRequests(snapshot({ sessions: pool.sessions, queues: q }), req('cordon', 'ccl-auto-1'));
    expect(kinds(plan(desired(2), snap, pool.views))).toEqual(['cordon-session', 'claim-task ccl-auto-2', 'launch-agent ccl-auto-2']);
    const back = { ...withRequests(snapshot({ sessions: pool.sessions, queues: q }), req('uncordon', 'ccl-auto-1')), cordoned: new Set(['ccl-auto-1', 'ccl-auto-2']) };
    expect(kinds(plan(desired(2), back, pool.views))).toEqual(['cordon-session', 'claim-task ccl-auto-1', 'launch-agent ccl-auto-1']);
  });

  it('retries a failed task, and answers a request about no session of the pool (dispatch refuses it)', () => {
    const failed = `${WEBAPP}/.agent-queue/failed/x.md`;
    const snap = withRequests(snapshot(), req('retry', failed, 3_000), req('cordon', 'nope-1'));
    expect(plan(desired(0), snap, new Map())).toEqual([
      { kind: 'retry-task', path: failed, project: WEBAPP, request: { id: `${NOW - 3_000}-retry`, at: NOW - 3_000 } },
      { kind: 'cordon-session', target: 'nope-1', on: true, request: { id: `${NOW - 12_000}-cordon`, at: NOW - 12_000 } },
    ]);
  });
});
