/** A pool that mixes agents: which profile and model each task gets (taskProfile), and what the plan launches. */
import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../../src/config/types.js';
import { plan } from '../../src/reconciler/plan.js';
import { taskProfile } from '../../src/config/pool.js';
import { warmModel, warmUps } from '../../src/reconciler/warm.js';
import { BILLING, desiredFor, idlePool, NOW, pending, queue, snapshot, view, views, observed, synced, WEBAPP } from './fixtures.js';

/** A pool of `agent` with a second profile `other` (a screen-driven CLI, not Claude Code) and the webapp project set to it. */
function mixed(agent: 'claude' | 'other', size = 2): DesiredState {
  const d = desiredFor(agent, size,
    'agents:',
    '  other:',
    '    extends: generic',
    '    command: [other-cli, --model, "{model}"]',
    "    screen: { ready: ['^> $'], busy: ['working'] }",
    '    models: { critical: big, high: small, default: small, low: small }',
  );
  return { ...d, projects: d.projects.map((p) => (p.path === WEBAPP ? { ...p, agent: 'other' } : p)) };
}

describe('taskProfile', () => {
  it('takes the task\'s own agent, else its project\'s, else the pool\'s', () => {
    const d = mixed('claude');
    expect(taskProfile(d, { project: BILLING }).name).toBe('claude');
    expect(taskProfile(d, { project: WEBAPP }).name).toBe('other');
    expect(taskProfile(d, { project: WEBAPP, agent: 'claude' }).name).toBe('claude');
    expect(taskProfile(d, { project: BILLING, agent: 'other' }).name).toBe('other');
  });

  it('runs a task that needs Claude Code on a Claude Code profile: the pool\'s when it is one, else claude', () => {
    expect(taskProfile(mixed('claude'), { project: WEBAPP, needsClaudeCode: true }).name).toBe('claude');
    expect(taskProfile(mixed('other'), { project: BILLING, needsClaudeCode: true }).name).toBe('claude');
    expect(taskProfile(mixed('other'), { project: BILLING, agent: 'other', needsClaudeCode: true }).name).toBe('claude');
    const fake = desiredFor('fake', 1);
    expect(taskProfile(fake, { project: BILLING, needsClaudeCode: true }).name).toBe('fake');
  });
});

describe('plan: a pool of several agents', () => {
  it('launches each task on its own profile, with that profile\'s model for its priority', () => {
    const d = mixed('claude', 3);
    const { sessions, views: v } = idlePool(['ccl-auto-1', 'ccl-auto-2', 'ccl-auto-3']);
    const q = [
      queue(WEBAPP, { pending: [pending(WEBAPP, 'w.md', { arrivedAt: NOW - 3_000, priority: 'critical' })] }),
      queue(BILLING, { pending: [pending(BILLING, 'b.md', { arrivedAt: NOW - 2_000 }), pending(BILLING, 'x.md', { arrivedAt: NOW - 1_000, agent: 'other' })] }),
    ];
    const launches = plan(d, snapshot({ sessions, queues: q }), v).filter((a) => a.kind === 'launch-agent');
    expect(launches.map((a) => a.kind === 'launch-agent' && [a.task.split('/').pop(), a.agent, a.model])).toEqual([
      ['w.md', 'other', 'big'],
      ['b.md', 'claude', d.agents.claude!.models.default],
      ['x.md', 'other', 'small'],
    ]);
  });

  it('warms each project\'s own agent, and gives a warm agent only tasks of its profile', () => {
    const d = { ...mixed('claude', 2), pool: { ...mixed('claude', 2).pool, prewarm: 2 } };
    expect(warmUps(d, ['ccl-auto-1', 'ccl-auto-2'], [])).toEqual([
      { session: 'ccl-auto-1', agent: 'other', model: 'small', project: WEBAPP },
      { session: 'ccl-auto-2', agent: 'claude', model: warmModel(d.agents.claude!), project: BILLING },
    ]);
    // A warm `other` agent in webapp is not given a webapp task that asks for claude.
    const warm = { project: WEBAPP, model: 'small', agentSessionId: '', launchedAt: NOW - 60_000 };
    const v = views(view('ccl-auto-1', 'ready', { agent: 'other', warm }));
    const sessions = synced([observed('ccl-auto-1')], v);
    const q = [queue(WEBAPP, { pending: [pending(WEBAPP, 'c.md', { agent: 'claude' })] }), queue(BILLING)];
    const actions = plan({ ...d, pool: { ...d.pool, size: 1 } }, snapshot({ sessions, queues: q }), v);
    expect(actions).toEqual([
      expect.objectContaining({ kind: 'claim-task', session: 'ccl-auto-1' }),
      expect.objectContaining({ kind: 'launch-agent', session: 'ccl-auto-1', agent: 'claude' }),
    ]);
  });
});
