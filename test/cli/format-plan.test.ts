import { describe, it, expect } from 'vitest';
import { formatPlan, planJson } from '../../src/cli/format-plan.js';
import type { Action } from '../../src/reconciler/actions.js';
import { plan } from '../../src/reconciler/plan.js';
import { active, BILLING, desired, NOW, pending, queue, rejected, snapshot, WEBAPP } from '../reconciler/fixtures.js';

const d = desired(3);

describe('formatPlan', () => {
  it('prints one kubectl-style line per action kind', () => {
    const actions: Action[] = [
      { kind: 'reject-task', task: rejected(WEBAPP, 'empty.md', 'the file is empty: write the task in it') },
      { kind: 'requeue-task', path: active(BILLING, 'inv.md').path, project: BILLING, reason: 'the session ccl-auto-2 went away', refundAttempt: false, notBefore: 0 },
      { kind: 'create-session', session: 'ccl-auto-3', slot: 3 },
      { kind: 'kill-session', session: 'ccl-auto-4', ref: '$4/%4', reason: 'the pool is smaller than this slot' },
      { kind: 'drain-session', session: 'ccl-auto-5' },
      { kind: 'retag', session: 'ccl-auto-6', ref: '$6/%6', why: 'ownership', tags: { pool: 'ccl-auto-', slot: '6' }, found: { pool: '', slot: '' } },
      { kind: 'claim-task', session: 'ccl-auto-1', task: pending(WEBAPP, 'fix-login.md', { priority: 'critical' }) },
      { kind: 'launch-agent', session: 'ccl-auto-1', task: pending(WEBAPP, 'fix-login.md').path, agent: 'claude', model: 'opus', priority: 'critical', project: WEBAPP },
      { kind: 'submit-task', session: 'ccl-auto-2', task: `${BILLING}/.agent-queue/active/inv.md`, agent: 'claude' },
      {
        kind: 'stop-agent', session: 'ccl-auto-2', agent: 'claude', task: `${BILLING}/.agent-queue/active/inv.md`, verdict: { outcome: 'done', reason: 'the agent finished its turn' },
        disposition: 'done', refundAttempt: false, notBefore: 0, cooldownUntil: NOW + 5_000,
      },
    ];
    expect(formatPlan(d, actions)).toEqual([
      'task/webapp/empty.md reject → failed/ (the file is empty: write the task in it)',
      'task/billing/inv.md requeue (the session ccl-auto-2 went away)',
      'session/ccl-auto-3 create',
      'session/ccl-auto-4 delete (the pool is smaller than this slot)',
      'session/ccl-auto-5 drain (finishes its task, then goes)',
      'session/ccl-auto-6 retag pool=ccl-auto- slot=6 (found pool=(none) slot=(none))',
      'task/webapp/fix-login.md claim → session/ccl-auto-1 (priority critical)',
      `session/ccl-auto-1 launch claude model=opus cwd=${WEBAPP}`,
      'session/ccl-auto-2 submit inv.md',
      'session/ccl-auto-2 stop-agent → task done (the agent finished its turn)',
    ]);
  });

  it('says that a task of a worktree project is launched in a new worktree, and on which branch', () => {
    const wt = { ...d, projects: d.projects.map((p) => (p.path === WEBAPP ? { ...p, isolation: 'worktree' as const } : p)) };
    const launch: Action = { kind: 'launch-agent', session: 'ccl-auto-1', task: pending(WEBAPP, 'fix login.md').path, agent: 'claude', model: 'opus', priority: 'critical', project: WEBAPP };
    expect(formatPlan(wt, [launch])).toEqual([
      `session/ccl-auto-1 launch claude model=opus in a new worktree of ${WEBAPP} on branch agentpool/fix-login (or the next free name)`,
    ]);
  });

  it('shows each disposition of stop-agent', () => {
    const stop = (disposition: 'done' | 'retry' | 'fail', reason: string, task: string | null = '/src/webapp/.agent-queue/active/a.md'): Action => ({
      kind: 'stop-agent', session: 'ccl-auto-1', agent: 'claude', task, verdict: { outcome: 'failed', reason }, disposition, refundAttempt: false, notBefore: 0, cooldownUntil: 0,
    });
    expect(formatPlan(d, [stop('retry', 'crash'), stop('fail', 'gave up'), stop('done', 'more agents are warm than pool.prewarm (1) keeps', null)])).toEqual([
      'session/ccl-auto-1 stop-agent → task retry (crash)',
      'session/ccl-auto-1 stop-agent → task fail (gave up)',
      'session/ccl-auto-1 stop-agent (more agents are warm than pool.prewarm (1) keeps)',
    ]);
  });

  it('shows a person\'s requests with how long they have waited', () => {
    const request = (ago: number) => ({ id: String(ago), at: NOW - ago });
    const path = (dir: string, name: string) => `${WEBAPP}/.agent-queue/${dir}/${name}`;
    const actions: Action[] = [
      { kind: 'cancel-task', path: path('inbox', 'x.md'), project: WEBAPP, request: request(12_400) },
      { kind: 'retry-task', path: path('failed', 'y.md'), project: WEBAPP, request: request(800) },
      { kind: 'cordon-session', target: 'ccl-auto-2', on: true, request: request(1_000) },
      { kind: 'cordon-session', target: 'ccl-auto-2', on: false, request: request(0) },
      { kind: 'cancel-task', path: path('active', 'z.md'), project: WEBAPP, session: 'ccl-auto-1', request: request(3_000) },
      { kind: 'cancel-task', path: path('active', 'z.md'), project: WEBAPP, session: 'ccl-auto-1' },
    ];
    expect(formatPlan(d, actions, NOW)).toEqual([
      'task/webapp/x.md cancel (requested 12 s ago)',
      'task/webapp/y.md retry (requested 1 s ago)',
      'session/ccl-auto-2 cordon (requested 1 s ago)',
      'session/ccl-auto-2 uncordon (requested 0 s ago)',
      'task/webapp/z.md cancel → stop the agent in session/ccl-auto-1 (requested 3 s ago)',
      'task/webapp/z.md cancel → stop the agent in session/ccl-auto-1 (recorded before the controller restarted)',
    ]);
  });

  it('names a task of an unknown project by its folder name', () => {
    const r = rejected('/elsewhere/proj-x', 'a.md', 'r');
    expect(formatPlan(d, [{ kind: 'reject-task', task: r }])).toEqual(['task/proj-x/a.md reject → failed/ (r)']);
  });

  it('prints nothing for an empty plan and one line per action of a real plan', () => {
    expect(formatPlan(d, [])).toEqual([]);
    const actions = plan(d, snapshot({ queues: [queue(WEBAPP, { rejected: [rejected(WEBAPP, 'bad.md', 'the file is empty: write the task in it')] })] }), new Map());
    expect(formatPlan(d, actions)).toEqual([
      'task/webapp/bad.md reject → failed/ (the file is empty: write the task in it)',
      'session/ccl-auto-1 create',
      'session/ccl-auto-2 create',
      'session/ccl-auto-3 create',
    ]);
  });
});

describe('planJson', () => {
  it('is the actions as pretty JSON', () => {
    const actions: Action[] = [{ kind: 'create-session', session: 'ccl-auto-1', slot: 1 }, { kind: 'drain-session', session: 'ccl-auto-9' }];
    const text = planJson(actions);
    expect(JSON.parse(text)).toEqual(actions);
    expect(text).toContain('\n  {\n    "kind": "create-session"');
    expect(planJson([])).toBe('[]');
  });
});
