import { describe, it, expect } from 'vitest';
import type { SlotView } from '../../src/machines/types.js';
import type { Action } from '../../src/reconciler/actions.js';
import { CREATES_PER_PASS, plan } from '../../src/reconciler/plan.js';
import { blindSpots } from '../../src/reconciler/snapshot.js';
import {
  active, BILLING, desired, desiredFor, idlePool, names, NOW, observed, pending, queue, queuedPending, rejected, signals, snapshot, synced, view, views, WEBAPP,
} from './fixtures.js';

const kinds = (actions: Action[]) => actions.map((a) => `${a.kind} ${'session' in a ? a.session : ''}`.trim());
const named = (actions: Action[], session: string) => actions.filter((a) => 'session' in a && a.session === session);

describe('plan: a missing agent program', () => {
  it('claims nothing while the agent program cannot be run, and still shapes the pool', () => {
    const snap = snapshot({ queues: [queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md')] })], agentMissing: 'agent program "claude" not found' });
    expect(kinds(plan(desired(1), snap, new Map()))).toEqual(['create-session ccl-auto-1']);
  });
});

describe('plan: the queue\'s rules (after:, not_before:, maxConcurrent, model:)', () => {
  it('starts nothing that waits, rejects a task whose named task failed, and gives the rest the free sessions', () => {
    const pool = idlePool(names(1, 3));
    const waits = pending(WEBAPP, 'waits.md', { after: ['first.md'], arrivedAt: NOW - 90_000 });
    const orphan = pending(WEBAPP, 'orphan.md', { after: ['broken.md'], arrivedAt: NOW - 80_000 });
    const later = pending(WEBAPP, 'later.md', { notBefore: NOW + 60_000, arrivedAt: NOW - 70_000 });
    const free = pending(WEBAPP, 'free.md');
    const snap = snapshot({ sessions: pool.sessions, queues: [queue(WEBAPP, { pending: [waits, orphan, later, free] })] });
    snap.deps = new Map([['webapp/first.md', { at: 'inbox' }], ['webapp/broken.md', { at: 'failed', reason: 'the agent exited' }]]);
    const actions = plan(desired(3), snap, pool.views);
    expect(kinds(actions)).toEqual(['reject-task', 'claim-task ccl-auto-1', 'launch-agent ccl-auto-1']);
    expect(actions[0]).toMatchObject({ task: { name: 'orphan.md', reason: expect.stringMatching(/^a task it waits for failed: webapp\/broken.md/) } });
    expect(actions[1]).toMatchObject({ task: { name: 'free.md' } });
  });

  it('keeps a project under its maxConcurrent while another project\'s tasks take the other sessions', () => {
    const pool = idlePool(names(1, 3));
    const d = desired(3);
    d.projects[0]!.maxConcurrent = 1;
    const web = ['w1.md', 'w2.md', 'w3.md'].map((n, i) => pending(WEBAPP, n, { arrivedAt: NOW - 90_000 + i }));
    const bill = pending(BILLING, 'b1.md', { arrivedAt: NOW - 10_000 });
    const snap = snapshot({ sessions: pool.sessions, queues: [queue(WEBAPP, { pending: web }), queue(BILLING, { pending: [bill] })] });
    const claimed = plan(d, snap, pool.views).flatMap((a) => (a.kind === 'claim-task' ? [a.task.name] : []));
    expect(claimed.sort()).toEqual(['b1.md', 'w1.md']);
  });

  it('launches a task that names its model with that model', () => {
    const pool = idlePool(names(1, 1));
    const snap = snapshot({ sessions: pool.sessions, queues: [queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md', { model: 'haiku' })] })] });
    expect(plan(desired(1), snap, pool.views).find((a) => a.kind === 'launch-agent')).toMatchObject({ model: 'haiku' });
  });
});

describe('plan: files still settling', () => {
  it('keeps a slot for a higher-priority file that is still settling instead of giving it lower work', () => {
    const q = [queue(WEBAPP, { pending: [pending(WEBAPP, 'low.md', { priority: 'low' })], settling: [pending(WEBAPP, 'urgent.md', { priority: 'critical' })] })];
    const one = idlePool(names(1, 1));
    expect(plan(desired(1), snapshot({ sessions: one.sessions, queues: q }), one.views)).toEqual([]);
    const two = idlePool(names(1, 2));
    const claims = plan(desired(2), snapshot({ sessions: two.sessions, queues: q }), two.views).filter((a) => a.kind === 'claim-task');
    expect(claims).toEqual([expect.objectContaining({ session: 'ccl-auto-1', task: expect.objectContaining({ name: 'low.md' }) })]);
  });

  it('never claims a settling file itself', () => {
    const q = [queue(WEBAPP, { settling: [pending(WEBAPP, 'half.md')] })];
    const one = idlePool(names(1, 1));
    expect(plan(desired(1), snapshot({ sessions: one.sessions, queues: q }), one.views)).toEqual([]);
  });
});

describe('plan: the slot state saved on sessions', () => {
  it('records the state of a resting slot whose session says otherwise (a cooldown ended by its timer)', () => {
    const sessions = [observed('ccl-auto-1', { saved: { state: 'cooldown', task: '', until: NOW - 5 } }), observed('ccl-auto-2')];
    const v = views(view('ccl-auto-1', 'idle'), view('ccl-auto-2', 'idle'));
    expect(plan(desired(2), snapshot({ sessions }), v)).toEqual([
      {
        kind: 'retag', session: 'ccl-auto-1', ref: '$1/%1', why: 'state',
        tags: { state: 'idle', task: '', until: '', agent: '' }, found: { state: 'cooldown', task: '', until: String(NOW - 5), agent: '' },
      },
    ]);
  });

  it('leaves slots with actions (planned or in flight) and passing states to those actions', () => {
    const T = `${WEBAPP}/.agent-queue/active/t.md`;
    const sessions = [observed('ccl-auto-1', { saved: { state: 'cooldown', task: '', until: 1 } }), observed('ccl-auto-2', { saved: { state: 'working', task: T, until: 1 } })];
    const v = views(view('ccl-auto-1', 'idle'), view('ccl-auto-2', 'stopping', { task: T, verdict: { outcome: 'done', reason: 'ok' } }));
    const q = [queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md')], active: [active(WEBAPP, 't.md')] })];
    expect(kinds(plan(desired(2), snapshot({ sessions, queues: q }), v))).toEqual(['claim-task ccl-auto-1', 'launch-agent ccl-auto-1', 'stop-agent ccl-auto-2']);
    expect(plan(desired(2), snapshot({ sessions }), v, { inFlight: new Set(['ccl-auto-1', 'ccl-auto-2']) })).toEqual([]);
  });
});

describe('plan: pool shape', () => {
  it('creates exactly the missing sessions of an empty world, in slot order', () => {
    expect(plan(desired(3), snapshot(), new Map())).toEqual([
      { kind: 'create-session', session: 'ccl-auto-1', slot: 1 },
      { kind: 'create-session', session: 'ccl-auto-2', slot: 2 },
      { kind: 'create-session', session: 'ccl-auto-3', slot: 3 },
    ]);
  });

  it('orders sessions naturally past 9 (ccl-auto-2 before ccl-auto-10)', () => {
    const actions = plan(desired(12), snapshot(), new Map());
    expect(actions.map((a) => (a as { session: string }).session)).toEqual(names(1, 12));
    expect(actions.map((a) => (a as { slot: number }).slot)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('honours pool.startIndex', () => {
    const d = desired(2);
    d.pool.startIndex = 7;
    expect(plan(d, snapshot(), new Map())).toEqual([
      { kind: 'create-session', session: 'ccl-auto-7', slot: 7 },
      { kind: 'create-session', session: 'ccl-auto-8', slot: 8 },
    ]);
  });

  it('repairs the ownership tags of a session of ours that lost them or carries another slot, and no one else\'s', () => {
    const { views: v } = idlePool(names(1, 3));
    const sessions = [
      observed('ccl-auto-1'),
      observed('ccl-auto-2', { tags: { pool: '', slot: '' } }),
      observed('ccl-auto-3', { tags: { pool: 'ccl-auto-', slot: '2' } }),
      observed('ccl-auto-4', { owned: false, tags: { pool: '', slot: '' } }),
    ];
    expect(plan(desired(3), snapshot({ sessions }), v).filter((a) => a.kind === 'retag' && a.why === 'ownership')).toEqual([
      { kind: 'retag', session: 'ccl-auto-2', ref: '$2/%2', why: 'ownership', tags: { pool: 'ccl-auto-', slot: '2' }, found: { pool: '', slot: '' } },
      { kind: 'retag', session: 'ccl-auto-3', ref: '$3/%3', why: 'ownership', tags: { pool: 'ccl-auto-', slot: '3' }, found: { pool: 'ccl-auto-', slot: '2' } },
    ]);
  });

  it('is empty in a converged world', () => {
    const { sessions, views: v } = idlePool(names(1, 3));
    expect(plan(desired(3), snapshot({ sessions }), v)).toEqual([]);
  });

  it('is empty for a converged world with the operator’s own sessions beside it', () => {
    const { sessions, views: v } = idlePool(names(1, 3));
    const own = [observed('ccl-main', { owned: false }), observed('scratch', { owned: false })];
    expect(plan(desired(3), snapshot({ sessions: [...sessions, ...own] }), v)).toEqual([]);
  });

  it('grows by creating only the new slots', () => {
    const { sessions, views: v } = idlePool(names(1, 3));
    expect(plan(desired(5), snapshot({ sessions }), v)).toEqual([
      { kind: 'create-session', session: 'ccl-auto-4', slot: 4 },
      { kind: 'create-session', session: 'ccl-auto-5', slot: 5 },
    ]);
  });

  it('shrinks by killing the idle sessions outside the range, by session id', () => {
    const { sessions, views: v } = idlePool(names(1, 5));
    const actions = plan(desired(2), snapshot({ sessions }), v);
    expect(actions).toEqual([
      { kind: 'kill-session', session: 'ccl-auto-3', ref: '$3/%3', reason: expect.any(String) },
      { kind: 'kill-session', session: 'ccl-auto-4', ref: '$4/%4', reason: expect.any(String) },
      { kind: 'kill-session', session: 'ccl-auto-5', ref: '$5/%5', reason: expect.any(String) },
    ]);
    expect((actions[0] as { reason: string }).reason).toMatch(/pool is smaller/);
  });

  it('kills surplus sessions in cooldown or not yet adopted, too', () => {
    const sessions = names(1, 4).map((n) => observed(n));
    const v = views(view('ccl-auto-1', 'idle'), view('ccl-auto-2', 'idle'), view('ccl-auto-3', 'cooldown', { deadline: NOW + 5_000 }));
    expect(kinds(plan(desired(2), snapshot({ sessions }), v))).toEqual(['kill-session ccl-auto-3', 'kill-session ccl-auto-4']);
  });

  for (const state of ['launching', 'awaitingPrompt', 'working', 'stopping'] as const) {
    it(`drains a surplus session that is ${state} instead of killing it, once`, () => {
      const sessions = names(1, 3).map((n) => observed(n));
      const t = `${WEBAPP}/.agent-queue/active/t.md`;
      const base = [view('ccl-auto-1', 'idle'), view('ccl-auto-2', 'idle')];
      const busy = view('ccl-auto-3', state, { task: t });
      const actions = plan(desired(2), snapshot({ sessions }), views(...base, busy));
      expect(named(actions, 'ccl-auto-3').map((a) => a.kind).filter((k) => k !== 'stop-agent')).toEqual(['drain-session']);
      expect(actions.some((a) => a.kind === 'kill-session')).toBe(false);

      const again = plan(desired(2), snapshot({ sessions }), views(...base, { ...busy, draining: true }));
      expect(again.some((a) => a.kind === 'drain-session' || a.kind === 'kill-session')).toBe(false);
    });
  }

  it('never kills a working session, even when the pool shrinks to zero', () => {
    const sessions = [observed('ccl-auto-1')];
    const actions = plan(desired(0), snapshot({ sessions }), views(view('ccl-auto-1', 'working', { task: '/t.md' })));
    expect(actions).toEqual([{ kind: 'drain-session', session: 'ccl-auto-1' }]);
  });

  it('re-creates a session that vanished once its machine is absent', () => {
    const sessions = [observed('ccl-auto-1'), observed('ccl-auto-3')];
    const v = views(view('ccl-auto-1', 'idle'), view('ccl-auto-2', 'absent'), view('ccl-auto-3', 'idle'));
    expect(plan(desired(3), snapshot({ sessions }), v)).toEqual([{ kind: 'create-session', session: 'ccl-auto-2', slot: 2 }]);
  });

  it('does not create a session whose machine has not yet seen it vanish', () => {
    const sessions = [observed('ccl-auto-1'), observed('ccl-auto-3')];
    const v = views(view('ccl-auto-1', 'idle'), view('ccl-auto-2', 'idle'), view('ccl-auto-3', 'idle'));
    expect(plan(desired(3), snapshot({ sessions }), v)).toEqual([]);
  });

  it('does nothing to an owned session that is not yet adopted (no create, no task)', () => {
    const sessions = [observed('ccl-auto-1')];
    const q = queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md')] });
    expect(plan(desired(1), snapshot({ sessions, queues: [q] }), new Map())).toEqual([]);
  });

  it('leaves an unowned session with a pool name alone and keeps its slot empty', () => {
    const intruder = observed('ccl-auto-2', { owned: false });
    const stray = observed('ccl-auto-9', { owned: false });
    const q = queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md'), pending(WEBAPP, 'b.md'), pending(WEBAPP, 'c.md')] });
    // Even a (stale) idle view for that name does not make it ours.
    const v = views(view('ccl-auto-1', 'idle'), view('ccl-auto-3', 'idle'), view('ccl-auto-2', 'idle'));
    const sessions = [observed('ccl-auto-1'), intruder, observed('ccl-auto-3'), stray];
    const actions = plan(desired(3), snapshot({ sessions, queues: [q] }), v);
    expect(named(actions, 'ccl-auto-2')).toEqual([]);
    expect(named(actions, 'ccl-auto-9')).toEqual([]);
    expect(kinds(actions)).toEqual(['claim-task ccl-auto-1', 'launch-agent ccl-auto-1', 'claim-task ccl-auto-3', 'launch-agent ccl-auto-3']);

    const empty = plan(desired(3), snapshot({ sessions: [intruder, stray] }), new Map());
    expect(kinds(empty)).toEqual(['create-session ccl-auto-1', 'create-session ccl-auto-3']);
  });

  it('never plans anything for a dedicated session', () => {
    const dedicated = observed('ccl-main', { owned: false, process: { dead: true, status: 1 }, saved: { state: 'working', task: '/x.md', until: 1 } });
    const worlds = [
      plan(desired(0), snapshot({ sessions: [dedicated] }), new Map()),
      plan(desired(3), snapshot({ sessions: [dedicated] }), new Map()),
      plan(desired(1), snapshot({ sessions: [dedicated, observed('ccl-auto-1')], queues: [queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md')] })] }), views(view('ccl-auto-1', 'idle'))),
    ];
    for (const actions of worlds) expect(JSON.stringify(actions)).not.toContain('ccl-main');
    expect(worlds[0]).toEqual([]);
  });
});

describe('plan: the profile a slot was launched with', () => {
  it('stops, answers and submits with the profile that launched the agent, and launches new ones with the pool agent', () => {
    const d = desiredFor('claude', 3, 'agents:', '  other: { extends: fake }');
    const t = `${WEBAPP}/.agent-queue/active/t.md`;
    const sessions = idlePool(names(1, 3)).sessions;
    const v = views(
      view('ccl-auto-1', 'stopping', { task: t, agent: 'other', verdict: { outcome: 'done', reason: 'the agent finished its turn' } }),
      view('ccl-auto-2', 'awaitingPrompt', { task: t, agent: 'other', deadline: NOW + 1_000 }),
      view('ccl-auto-3', 'idle'),
    );
    const agents = { 'ccl-auto-2': signals({ screen: { ready: true } }) };
    const q = [queue(WEBAPP, { pending: [pending(WEBAPP, 'new.md')], active: [active(WEBAPP, 't.md')] })];
    const actions = plan(d, snapshot({ sessions, agents, queues: q }), v);
    expect(actions.map((a) => `${a.kind} ${'agent' in a ? a.agent : ''}`)).toEqual(['stop-agent other', 'submit-task other', 'claim-task ', 'launch-agent claude']);
  });
});

describe('plan: project preparation', () => {
  it('creates the queue folders of a project that lacks them, first, even when the backend cannot be asked', () => {
    const snap = snapshot({ backend: { ok: false, error: 'no server' }, unprepared: [WEBAPP], queues: [queue(WEBAPP, { problems: ['the inbox does not exist'] })] });
    expect(plan(desired(1), snap, new Map())).toEqual([{ kind: 'prepare-project', path: WEBAPP }]);
  });

  it('a project being prepared is no blind spot: its missing inbox is about to be made', () => {
    const q = queue(WEBAPP, { problems: ['the inbox does not exist'] });
    expect(blindSpots(snapshot({ unprepared: [WEBAPP], queues: [q] }))).toEqual([]);
    expect(blindSpots(snapshot({ queues: [q] }))).toEqual(['the inbox does not exist']);
  });
});

describe('plan: tmux unavailable', () => {
  it('plans no session actions but still rejects tasks that can never run', () => {
    const r = rejected(WEBAPP, 'empty.md');
    const q = queue(WEBAPP, { rejected: [r], pending: [pending(WEBAPP, 'a.md')] });
    const actions = plan(desired(3), snapshot({ backend: { ok: false, error: 'no server' }, queues: [q] }), views(view('ccl-auto-1', 'idle')));
    expect(actions).toEqual([{ kind: 'reject-task', task: r }]);
  });

  // BUG (src/reconciler/plan.ts:35-50): the orphan requeue runs before the `tmux.ok` check. When tmux cannot
  // be listed (e.g. the first pass after a restart, before any session was adopted) no view holds the claimed
  // tasks, so every claimed/submitted task is requeued although its session may still be working on it; the
  // adopted session then finds its sidecar "queued" and the task runs twice. Fix: return after the rejects when
  // `!snap.backend.ok`, before the requeue loop.
  it('does not requeue claimed tasks when it cannot see the sessions that hold them', () => {
    const a = active(WEBAPP, 'busy.md', { state: 'submitted', session: 'ccl-auto-1' });
    const actions = plan(desired(3), snapshot({ backend: { ok: false, error: 'tmux: command failed' }, queues: [queue(WEBAPP, { active: [a] })] }), new Map());
    expect(actions).toEqual([]);
  });
});

describe('plan: tasks', () => {
  it('rejects every rejected task, task actions first', () => {
    const r1 = rejected(WEBAPP, 'bin.md', 'the file contains NUL bytes');
    const r2 = rejected(BILLING, 'empty.md');
    const actions = plan(desired(1), snapshot({ queues: [queue(WEBAPP, { rejected: [r1] }), queue(BILLING, { rejected: [r2] })] }), new Map());
    expect(actions).toEqual([
      { kind: 'reject-task', task: r2 },
      { kind: 'reject-task', task: r1 },
      { kind: 'create-session', session: 'ccl-auto-1', slot: 1 },
    ]);
  });

  it('requeues a submitted task no slot holds, charging the attempt', () => {
    const { sessions, views: v } = idlePool(names(1, 3));
    const a = active(WEBAPP, 'orphan.md', { state: 'submitted', session: 'ccl-auto-2' });
    const actions = plan(desired(3), snapshot({ sessions, queues: [queue(WEBAPP, { active: [a] })] }), v);
    expect(actions).toEqual([
      { kind: 'requeue-task', path: a.path, project: WEBAPP, refundAttempt: false, notBefore: 0, reason: expect.stringMatching(/ccl-auto-2 went away/) },
    ]);
  });

  it('requeues a task whose paste began (submitting) as possibly run, charging the attempt', () => {
    const { sessions, views: v } = idlePool(names(1, 3));
    const a = active(WEBAPP, 'half.md', { state: 'submitting', session: 'ccl-auto-3' });
    const [action] = plan(desired(3), snapshot({ sessions, queues: [queue(WEBAPP, { active: [a] })] }), v);
    expect(action).toMatchObject({ kind: 'requeue-task', path: a.path, refundAttempt: false, reason: expect.stringMatching(/ccl-auto-3 went away/) });
  });

  for (const state of ['claimed', 'launched'] as const) {
    it(`requeues a ${state} task no slot holds and refunds the attempt`, () => {
      const { sessions, views: v } = idlePool(names(1, 3));
      const a = active(WEBAPP, 'orphan.md', { state, session: 'ccl-auto-2' });
      const [action] = plan(desired(3), snapshot({ sessions, queues: [queue(WEBAPP, { active: [a] })] }), v);
      expect(action).toMatchObject({ kind: 'requeue-task', path: a.path, refundAttempt: true, reason: expect.stringMatching(/never sent/) });
    });
  }

  it('does not requeue a task a slot holds, a queued one, or one whose session has an action in flight', () => {
    const held = active(WEBAPP, 'held.md', { session: 'ccl-auto-1' });
    const queued = active(WEBAPP, 'queued.md', { state: 'queued', session: null, notBefore: NOW + 60_000 });
    const claiming = active(WEBAPP, 'claiming.md', { state: 'claimed', session: 'ccl-auto-2' });
    const sessions = names(1, 2).map((n) => observed(n));
    const v = views(view('ccl-auto-1', 'working', { task: held.path }), view('ccl-auto-2', 'idle'));
    const q = queue(WEBAPP, { active: [held, queued, claiming], pending: [queuedPending(queued)] });
    expect(plan(desired(2), snapshot({ sessions: synced(sessions, v), queues: [q] }), v, { inFlight: new Set(['ccl-auto-2']) })).toEqual([]);
  });

  it('gives idle slots tasks: claim then launch, with the model of the task’s priority', () => {
    const { sessions, views: v } = idlePool(names(1, 3));
    const crit = pending(WEBAPP, 'urgent.md', { priority: 'critical' });
    const dflt = pending(WEBAPP, 'normal.md');
    const actions = plan(desired(3), snapshot({ sessions, queues: [queue(WEBAPP, { pending: [dflt, crit] })] }), v);
    expect(actions).toEqual([
      { kind: 'claim-task', session: 'ccl-auto-1', task: crit },
      { kind: 'launch-agent', session: 'ccl-auto-1', task: crit.path, agent: 'claude', model: 'opus', priority: 'critical', project: WEBAPP, sandboxed: true },
      { kind: 'claim-task', session: 'ccl-auto-2', task: dflt },
      { kind: 'launch-agent', session: 'ccl-auto-2', task: dflt.path, agent: 'claude', model: 'sonnet', priority: 'default', project: WEBAPP, sandboxed: true },
    ]);
  });

  it('uses the models of the configured profile', () => {
    const d = desired(1, 'agents:', '  claude:', '    models: { default: haiku }');
    const { sessions, views: v } = idlePool(['ccl-auto-1']);
    const actions = plan(d, snapshot({ sessions, queues: [queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md')] })] }), v);
    expect(actions[1]).toMatchObject({ kind: 'launch-agent', model: 'haiku' });
  });

  it('takes critical work before low, whatever the arrival order', () => {
    const { sessions, views: v } = idlePool(['ccl-auto-1']);
    const low = pending(WEBAPP, 'old-low.md', { priority: 'low', arrivedAt: NOW - 3_600_000 });
    const crit = pending(BILLING, 'new-crit.md', { priority: 'critical', arrivedAt: NOW - 1 });
    const actions = plan(desired(1), snapshot({ sessions, queues: [queue(WEBAPP, { pending: [low] }), queue(BILLING, { pending: [crit] })] }), v);
    expect(actions[0]).toEqual({ kind: 'claim-task', session: 'ccl-auto-1', task: crit });
  });

  it('takes turns between projects', () => {
    const { sessions, views: v } = idlePool(names(1, 4));
    const web = ['w1.md', 'w2.md', 'w3.md'].map((n, i) => pending(WEBAPP, n, { arrivedAt: NOW - 10_000 + i }));
    const bill = ['b1.md', 'b2.md', 'b3.md'].map((n, i) => pending(BILLING, n, { arrivedAt: NOW - 5_000 + i }));
    const actions = plan(desired(4), snapshot({ sessions, queues: [queue(WEBAPP, { pending: web }), queue(BILLING, { pending: bill })] }), v);
    const claims = actions.filter((a): a is Extract<Action, { kind: 'claim-task' }> => a.kind === 'claim-task');
    const projects = claims.map((c) => c.task.project);
    expect(projects).toHaveLength(4);
    for (let i = 1; i < projects.length; i++) expect(projects[i]).not.toBe(projects[i - 1]);
    expect(claims.map((c) => c.task.name).filter((n) => n.startsWith('w'))).toEqual(['w1.md', 'w2.md']);
    expect(claims.map((c) => c.task.name).filter((n) => n.startsWith('b'))).toEqual(['b1.md', 'b2.md']);
  });

  it('serves the project that waited longest first (lastServed)', () => {
    const { sessions, views: v } = idlePool(['ccl-auto-1']);
    const q = [queue(WEBAPP, { pending: [pending(WEBAPP, 'w.md')] }), queue(BILLING, { pending: [pending(BILLING, 'b.md')] })];
    const lastServed = new Map([[BILLING, NOW - 1_000], [WEBAPP, NOW - 100]]);
    const actions = plan(desired(1), snapshot({ sessions, queues: q }), v, { lastServed });
    expect(actions[0]).toMatchObject({ kind: 'claim-task', task: { project: BILLING } });
  });

  it('skips tasks being claimed and tasks whose retry time has not come', () => {
    const { sessions, views: v } = idlePool(names(1, 3));
    const claiming = pending(WEBAPP, 'being-claimed.md', { arrivedAt: NOW - 99_000 });
    const later = pending(WEBAPP, 'later.md', { arrivedAt: NOW - 98_000, notBefore: NOW + 1 });
    const now = pending(WEBAPP, 'now.md', { arrivedAt: NOW - 1_000, notBefore: NOW });
    const actions = plan(desired(3), snapshot({ sessions, queues: [queue(WEBAPP, { pending: [claiming, later, now] })] }), v, {
      claiming: new Set([claiming.path]),
    });
    expect(actions.filter((a) => a.kind === 'claim-task')).toEqual([{ kind: 'claim-task', session: 'ccl-auto-1', task: now }]);
  });

  it('takes a queued retry from active/ with its sidecar’s priority', () => {
    const { sessions, views: v } = idlePool(['ccl-auto-1']);
    const a = active(WEBAPP, 'retry.md', { state: 'queued', session: null, priority: 'critical', attempts: 1 });
    const actions = plan(desired(1), snapshot({ sessions, queues: [queue(WEBAPP, { active: [a], pending: [queuedPending(a)] })] }), v);
    expect(actions).toEqual([
      { kind: 'claim-task', session: 'ccl-auto-1', task: queuedPending(a) },
      { kind: 'launch-agent', session: 'ccl-auto-1', task: a.path, agent: 'claude', model: 'opus', priority: 'critical', project: WEBAPP, sandboxed: true },
    ]);
  });

  it('gives no task to slots that are busy, in cooldown, in flight or not owned', () => {
    const sessions = names(1, 4).map((n) => observed(n));
    const v = views(
      view('ccl-auto-1', 'working', { task: `${WEBAPP}/.agent-queue/active/x.md` }),
      view('ccl-auto-2', 'cooldown', { deadline: NOW + 1_000 }),
      view('ccl-auto-3', 'idle'),
      view('ccl-auto-4', 'idle'),
    );
    const q = queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md'), pending(WEBAPP, 'b.md')], active: [active(WEBAPP, 'x.md')] });
    const actions = plan(desired(4), snapshot({ sessions: synced(sessions, v), queues: [q] }), v, { inFlight: new Set(['ccl-auto-3']) });
    expect(kinds(actions)).toEqual(['claim-task ccl-auto-4', 'launch-agent ccl-auto-4']);
  });

  it('a draining idle slot outside the pool is removed, not given a task', () => {
    const sessions = names(1, 2).map((n) => observed(n));
    const v = views(view('ccl-auto-1', 'working', { task: '/x.md' }), view('ccl-auto-2', 'idle', { draining: true }));
    const q = queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md')] });
    const actions = plan(desired(1), snapshot({ sessions: synced(sessions, v), queues: [q] }), v);
    expect(kinds(actions)).toEqual(['kill-session ccl-auto-2']);
  });

  // BUG (src/reconciler/plan.ts:93 and src/machines/session-machine.ts): `draining` is never cleared. A slot
  // drained by a shrink and brought back into range by a grow (before it was killed) stays idle and draining
  // forever: it is in range, so never killed, and draining, so never given a task, until the controller
  // restarts. Draining only matters outside the range (inside it the slot is wanted), so the fix is to drop
  // `!v.draining` from the free-slot filter (or send an UNDRAIN when a draining slot is back in range).
  it('a slot drained by a shrink and back in range after a grow takes tasks again', () => {
    const { sessions, views: v } = idlePool(names(1, 2));
    v.set('ccl-auto-2', view('ccl-auto-2', 'idle', { draining: true }));
    const q = queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md'), pending(WEBAPP, 'b.md')] });
    const actions = plan(desired(2), snapshot({ sessions, queues: [q] }), v);
    expect(kinds(actions)).toEqual(['claim-task ccl-auto-1', 'launch-agent ccl-auto-1', 'claim-task ccl-auto-2', 'launch-agent ccl-auto-2']);
  });
});

describe('plan: agents', () => {
  const t = `${WEBAPP}/.agent-queue/active/t.md`;

  it('submits the task to an agent showing a ready prompt', () => {
    const sessions = [observed('ccl-auto-1')];
    const v = views(view('ccl-auto-1', 'awaitingPrompt', { task: t, deadline: NOW + 30_000 }));
    const agents = { 'ccl-auto-1': signals({ screen: { ready: true } }) };
    expect(plan(desired(1), snapshot({ sessions, agents, queues: [queue(WEBAPP, { active: [active(WEBAPP, 't.md', { state: 'launched' })] })] }), v)).toEqual([
      { kind: 'submit-task', session: 'ccl-auto-1', task: t, agent: 'claude' },
    ]);
  });

  it('waits while the screen is not ready, shows a dialog or was not captured', () => {
    const sessions = [observed('ccl-auto-1')];
    const v = views(view('ccl-auto-1', 'awaitingPrompt', { task: t, deadline: NOW + 30_000 }));
    const q = [queue(WEBAPP, { active: [active(WEBAPP, 't.md', { state: 'launched' })] })];
    for (const sig of [signals({ screen: { ready: false } }), signals({ screen: { ready: false, dialog: true } }), signals()]) {
      expect(plan(desired(1), snapshot({ sessions: synced(sessions, v), queues: q, agents: { 'ccl-auto-1': sig } }), v)).toEqual([]);
    }
  });

  it('plans nothing for sessions with an action in flight', () => {
    const sessions = names(1, 3).map((n) => observed(n));
    const v = views(
      view('ccl-auto-1', 'awaitingPrompt', { task: t }),
      view('ccl-auto-2', 'stopping', { task: '/u.md', verdict: { outcome: 'done', reason: 'ok' } }),
      view('ccl-auto-3', 'idle'),
    );
    const agents = { 'ccl-auto-1': signals({ screen: { ready: true } }) };
    const q = queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md')], active: [active(WEBAPP, 't.md', { state: 'launched' })] });
    const inFlight = new Set([...names(1, 5)]);
    expect(plan(desired(2), snapshot({ sessions, agents, queues: [q] }), v, { inFlight })).toEqual([]);
  });

  describe('stop-agent and the retry policy', () => {
    const stopping = (verdict: SlotView['verdict'], attempts: number) => {
      const sessions = [observed('ccl-auto-1')];
      const v = views(view('ccl-auto-1', 'stopping', { task: t, verdict }));
      const q = queue(WEBAPP, { active: [active(WEBAPP, 't.md', { attempts })] });
      return plan(desired(1), snapshot({ sessions, queues: [q] }), v);
    };

    it('done → the task goes to done/, the slot cools for afterTask', () => {
      const verdict = { outcome: 'done' as const, reason: 'the agent finished its turn', lastMessage: 'fixed it' };
      expect(stopping(verdict, 1)).toEqual([
        { kind: 'stop-agent', session: 'ccl-auto-1', agent: 'claude', task: t, verdict, disposition: 'done', refundAttempt: false, notBefore: 0, cooldownUntil: NOW + 5_000 },
      ]);
    });

    it('failed with attempts left → retry after the backoff, doubling per attempt', () => {
      const verdict = { outcome: 'failed' as const, reason: 'crash' };
      expect(stopping(verdict, 1)[0]).toMatchObject({ disposition: 'retry', refundAttempt: false, notBefore: NOW + 30_000, cooldownUntil: NOW + 300_000 });
      expect(stopping(verdict, 2)[0]).toMatchObject({ disposition: 'retry', notBefore: NOW + 60_000 });
    });

    it('failed on the last attempt → the task goes to failed/', () => {
      expect(stopping({ outcome: 'failed', reason: 'crash' }, 3)[0]).toMatchObject({ disposition: 'fail', notBefore: 0, cooldownUntil: NOW + 300_000 });
      expect(stopping({ outcome: 'failed', reason: 'crash' }, 4)[0]).toMatchObject({ disposition: 'fail' });
    });

    it('limited → retry at the reset time without costing an attempt, the slot cools until then', () => {
      const until = NOW + 2 * 3_600_000;
      expect(stopping({ outcome: 'limited', reason: 'usage limit', until }, 3)[0]).toMatchObject({
        disposition: 'retry', refundAttempt: true, notBefore: until, cooldownUntil: until,
      });
    });

    it('interrupted (a paste not proven after a restart) → resend at once to a fresh agent, refunding the attempt', () => {
      expect(stopping({ outcome: 'interrupted', reason: 'restart while pasting' }, 3)[0]).toMatchObject({
        disposition: 'retry', refundAttempt: true, notBefore: 0, cooldownUntil: NOW,
      });
    });

    it('counts one attempt when the task’s sidecar is unknown', () => {
      const sessions = [observed('ccl-auto-1')];
      const v = views(view('ccl-auto-1', 'stopping', { task: t, verdict: { outcome: 'failed', reason: 'x' } }));
      expect(plan(desired(1), snapshot({ sessions }), v)[0]).toMatchObject({ kind: 'stop-agent', disposition: 'retry', notBefore: NOW + 30_000 });
    });

    it('stops an agent that has no task (the claim was lost) too', () => {
      const sessions = [observed('ccl-auto-1')];
      const v = views(view('ccl-auto-1', 'stopping', { task: null, verdict: { outcome: 'failed', reason: 'x' } }));
      expect(plan(desired(1), snapshot({ sessions }), v)).toEqual([expect.objectContaining({ kind: 'stop-agent', task: null })]);
    });

    it('waits for a verdict before stopping', () => {
      const sessions = [observed('ccl-auto-1')];
      const v = views(view('ccl-auto-1', 'stopping', { task: t }));
      expect(plan(desired(1), snapshot({ sessions }), v)).toEqual([]);
    });

    it('stops a draining agent and does not drain it twice', () => {
      const sessions = names(1, 2).map((n) => observed(n));
      const verdict = { outcome: 'done' as const, reason: 'ok' };
      const v = views(view('ccl-auto-1', 'idle'), view('ccl-auto-2', 'stopping', { task: t, verdict, draining: true }));
      expect(kinds(plan(desired(1), snapshot({ sessions }), v))).toEqual(['stop-agent ccl-auto-2']);
    });
  });
});

describe('plan: a large pool', () => {
  it(`makes at most ${CREATES_PER_PASS} sessions at once, counting those still being made`, () => {
    const first = plan(desired(100), snapshot(), new Map()).filter((a) => a.kind === 'create-session');
    expect(first.map((a) => a.session)).toEqual(names(1, CREATES_PER_PASS));
    const making = new Set(names(1, 20));
    const next = plan(desired(100), snapshot(), new Map(), { inFlight: making }).filter((a) => a.kind === 'create-session');
    expect(next.map((a) => a.session)).toEqual(names(21, 20 + CREATES_PER_PASS - 20));
  });
});

describe('plan: a fleet front door (fleet mode)', () => {
  const fleetDesiredState = (size: number) => {
    const d = desired(size);
    // As src/fleet/overlay.ts marks a front door's projects.
    return { ...d, projects: d.projects.map((p) => (p.path === WEBAPP ? { ...p, maxConcurrent: 2, fleet: 'front-door' as const } : p)) };
  };

  it('gives its projects\' startable tasks to the fleet\'s queue, as many as their limit, and never to a slot; others run here', () => {
    const { sessions, views: v } = idlePool(names(1, 2));
    const inFleet = active(WEBAPP, 'sent.md', { state: 'claimed', session: null, fleet: { queue: 'agentpool-claude', job: 'j1', addedAt: NOW, agent: 'claude', model: 'sonnet' } });
    const a = pending(WEBAPP, 'a.md', { priority: 'critical' });
    const b = pending(WEBAPP, 'b.md');
    const c = pending(BILLING, 'c.md');
    const actions = plan(fleetDesiredState(2), snapshot({ sessions, queues: [queue(WEBAPP, { pending: [a, b], active: [inFleet] }), queue(BILLING, { pending: [c] })] }), v);
    // maxConcurrent 2: the job in the queue and one more; the one in the fleet is not requeued for want of a slot.
    expect(actions.filter((x) => x.kind === 'add-job')).toEqual([{ kind: 'add-job', task: a, queue: 'agentpool-claude', agent: 'claude', model: 'opus', priority: 'critical' }]);
    expect(actions.filter((x) => x.kind === 'requeue-task')).toEqual([]);
    expect(actions.filter((x) => x.kind === 'claim-task').map((x) => x.kind === 'claim-task' && x.task.path)).toEqual([c.path]);
  });
});
