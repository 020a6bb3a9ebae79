import { describe, it, expect } from 'vitest';
import { actionSession, sortActions, type Action } from '../../src/reconciler/actions.js';
import { BILLING, pending, rejected, WEBAPP } from './fixtures.js';

const create = (session: string): Action => ({ kind: 'create-session', session, slot: Number(session.split('-').pop()) });
const requeue = (path: string): Action => ({ kind: 'requeue-task', path, project: WEBAPP, reason: 'r', refundAttempt: false, notBefore: 0 });
const label = (a: Action) => `${a.kind}:${actionSession(a) ?? (a.kind === 'reject-task' ? a.task.path : a.kind === 'requeue-task' ? a.path : '')}`;

describe('actionSession', () => {
  it('names the session of session actions and null for task-only ones', () => {
    expect(actionSession(create('ccl-auto-3'))).toBe('ccl-auto-3');
    expect(actionSession({ kind: 'claim-task', session: 'ccl-auto-1', task: pending(WEBAPP, 'a.md') })).toBe('ccl-auto-1');
    expect(actionSession(requeue('/a.md'))).toBeNull();
    expect(actionSession({ kind: 'reject-task', task: rejected(WEBAPP, 'x.md') })).toBeNull();
  });
});

describe('sortActions', () => {
  it('puts task-only actions first by path, then sessions in natural order', () => {
    const input: Action[] = [
      create('ccl-auto-10'),
      requeue('/z/active/b.md'),
      create('ccl-auto-2'),
      { kind: 'reject-task', task: rejected(BILLING, 'a.md') },
      create('ccl-auto-1'),
      requeue('/a/active/c.md'),
    ];
    expect(sortActions(input).map(label)).toEqual([
      'requeue-task:/a/active/c.md',
      `reject-task:${BILLING}/.agent-queue/inbox/a.md`,
      'requeue-task:/z/active/b.md',
      'create-session:ccl-auto-1',
      'create-session:ccl-auto-2',
      'create-session:ccl-auto-10',
    ]);
  });

  it('keeps the planner’s order within a session (claim before launch)', () => {
    const t = pending(WEBAPP, 'a.md');
    const claim2: Action = { kind: 'claim-task', session: 'ccl-auto-2', task: t };
    const launch2: Action = { kind: 'launch-agent', session: 'ccl-auto-2', task: t.path, agent: 'claude', model: 'sonnet', priority: 'default', project: WEBAPP };
    const claim1: Action = { kind: 'claim-task', session: 'ccl-auto-1', task: t };
    const launch1: Action = { kind: 'launch-agent', session: 'ccl-auto-1', task: t.path, agent: 'claude', model: 'opus', priority: 'critical', project: WEBAPP };
    expect(sortActions([claim2, claim1, launch2, launch1])).toEqual([claim1, launch1, claim2, launch2]);
  });

  it('keeps the input order of task actions on the same path', () => {
    const a = requeue('/p.md');
    const b: Action = { ...requeue('/p.md'), reason: 'second' } as Action;
    expect(sortActions([a, b])).toEqual([a, b]);
    expect(sortActions([b, a])).toEqual([b, a]);
  });

  it('is stable, returns a new array and leaves its input alone', () => {
    const input = [create('ccl-auto-3'), create('ccl-auto-1')];
    const copy = [...input];
    const out = sortActions(input);
    expect(out).not.toBe(input);
    expect(input).toEqual(copy);
    expect(sortActions(out)).toEqual(out);
    expect(sortActions([])).toEqual([]);
  });
});
