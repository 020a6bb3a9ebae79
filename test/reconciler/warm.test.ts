import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../../src/config/types.js';
import type { WarmAgent } from '../../src/machines/types.js';
import type { Action } from '../../src/reconciler/actions.js';
import { interpret } from '../../src/reconciler/interpret.js';
import { plan } from '../../src/reconciler/plan.js';
import { warmModel, warmUps } from '../../src/reconciler/warm.js';
import { parseWarmTag, slotStateTags, warmTag } from '../../src/reconciler/slot-tags.js';
import { BILLING, desired, desiredFor, idlePool, NOW, observed, pending, queue, signals, snapshot, synced, view, views, WEBAPP } from './fixtures.js';

/** The fixtures' pool (claude, projects webapp and billing) with `prewarm` agents warm at most (every slot by default). */
function warmPool(size: number, edit: (d: DesiredState) => DesiredState = (d) => d, prewarm = size): DesiredState {
  const d = desired(size);
  return edit({ ...d, pool: { ...d.pool, prewarm } });
}

const kinds = (actions: Action[]) => actions.map((a) => `${a.kind} ${'session' in a ? a.session : ''}`.trim());
const warmOn = (project: string, model = 'claude-sonnet-4-6'): WarmAgent => ({ project, model, agentSessionId: 'a1', launchedAt: NOW - 60_000 });

describe('warmUps and warmModel', () => {
  const slots = ['ccl-auto-1', 'ccl-auto-2', 'ccl-auto-3'];

  it('warms the pool agent with the model most priorities share, the projects taken in turn', () => {
    const d = warmPool(3);
    const model = warmModel(d.agents.claude!);
    expect(Object.values(d.agents.claude!.models).filter((m) => m === model).length).toBeGreaterThanOrEqual(2);
    expect(warmUps(d, slots, []).map((w) => w.project)).toEqual([WEBAPP, BILLING, WEBAPP]);
    expect(warmUps(d, slots, [])[0]).toEqual({ session: 'ccl-auto-1', agent: 'claude', model, project: WEBAPP });
  });

  it('warms at most pool.prewarm agents, counting those warm and those that may be starting, for the projects with fewest', () => {
    const d = warmPool(6, (x) => x, 2);
    expect(warmUps(d, slots, []).map((w) => `${w.session} ${w.project}`)).toEqual([`ccl-auto-1 ${WEBAPP}`, `ccl-auto-2 ${BILLING}`]);
    // One webapp agent warm: the one warm-up left goes to billing.
    expect(warmUps(d, slots, [warmOn(WEBAPP)]).map((w) => `${w.session} ${w.project}`)).toEqual([`ccl-auto-1 ${BILLING}`]);
    expect(warmUps(d, slots, [warmOn(WEBAPP), warmOn(WEBAPP)])).toEqual([]);
    expect(warmUps(d, slots, [warmOn(BILLING)], 1)).toEqual([]);
    expect(warmUps(d, slots, [], 1).map((w) => w.session)).toEqual(['ccl-auto-1']);
  });

  it('breaks a tie with the default priority\'s model', () => {
    const profile = desired(1).agents.claude!;
    expect(warmModel({ ...profile, models: { critical: 'a', high: 'b', default: 'c', low: 'd' } })).toBe('c');
    expect(warmModel({ ...profile, models: { critical: 'a', high: 'a', default: 'c', low: 'c' } })).toBe('c');
    expect(warmModel({ ...profile, models: { critical: 'a', high: 'a', default: 'c', low: 'a' } })).toBe('a');
  });

  it('warms for projects with isolation: worktree too', () => {
    const d = warmPool(2, (x) => ({ ...x, projects: x.projects.map((p) => ({ ...p, isolation: 'worktree' as const })) }));
    expect(warmUps(d, ['ccl-auto-1', 'ccl-auto-2'], []).map((w) => w.project)).toEqual([WEBAPP, BILLING]);
  });

  it('warms nothing when prewarm is off, or for a profile that takes the task in its argv', () => {
    expect(warmUps(desired(1), ['ccl-auto-1'], [])).toEqual([]);
    const argv = desiredFor('oneshot', 1, 'agents:', '  oneshot:', '    extends: generic', '    command: [agent, "{prompt}"]');
    expect(warmUps({ ...argv, pool: { ...argv.pool, prewarm: 1 } }, ['ccl-auto-1'], [])).toEqual([]);
  });
});

describe('plan: prewarm', () => {
  it('warms every idle slot of an empty queue, and none that a person cordoned', () => {
    const { sessions, views: v } = idlePool(['ccl-auto-1', 'ccl-auto-2', 'ccl-auto-3']);
    const actions = plan(warmPool(3), snapshot({ sessions }), v, { cordoned: new Set(['ccl-auto-2']) });
    expect(actions.filter((a) => a.kind === 'warm-agent')).toEqual([
      { kind: 'warm-agent', session: 'ccl-auto-1', agent: 'claude', model: warmModel(warmPool(1).agents.claude!), project: WEBAPP },
      { kind: 'warm-agent', session: 'ccl-auto-3', agent: 'claude', model: warmModel(warmPool(1).agents.claude!), project: BILLING },
    ]);
    expect(kinds(actions)).toEqual(['warm-agent ccl-auto-1', 'warm-agent ccl-auto-3']);
  });

  it('warms a slot in the pass that creates it, at most pool.prewarm at once', () => {
    const d = warmPool(6, (x) => x, 2);
    expect(kinds(plan(d, snapshot({}), new Map()))).toEqual([
      'create-session ccl-auto-1', 'warm-agent ccl-auto-1', 'create-session ccl-auto-2', 'warm-agent ccl-auto-2',
      'create-session ccl-auto-3', 'create-session ccl-auto-4', 'create-session ccl-auto-5', 'create-session ccl-auto-6',
    ]);
  });

  it('keeps at most pool.prewarm warm, counting slots whose actions may be starting one', () => {
    const d = warmPool(6, (x) => x, 2);
    const names = ['ccl-auto-1', 'ccl-auto-2', 'ccl-auto-3', 'ccl-auto-4', 'ccl-auto-5', 'ccl-auto-6'];
    const { sessions, views: v } = idlePool(names);
    v.set('ccl-auto-1', view('ccl-auto-1', 'ready', { agent: 'claude', warm: warmOn(WEBAPP) }));
    const synced1 = synced([...sessions.values()], v);
    expect(kinds(plan(d, snapshot({ sessions: synced1 }), v))).toEqual(['warm-agent ccl-auto-2']);
    expect(plan(d, snapshot({ sessions: synced1 }), v, { inFlight: new Set(['ccl-auto-3']) })).toEqual([]);
    v.set('ccl-auto-2', view('ccl-auto-2', 'warming', { agent: 'claude', warm: warmOn(BILLING) }));
    expect(plan(d, snapshot({ sessions: synced([...sessions.values()], v) }), v)).toEqual([]);
    // A warm agent given a task by this plan counts until it has it: its replacement warms in the next pass.
    const q = [queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md')] }), queue(BILLING)];
    const model = warmModel(d.agents.claude!);
    v.set('ccl-auto-1', view('ccl-auto-1', 'ready', { agent: 'claude', warm: warmOn(WEBAPP, model) }));
    expect(kinds(plan(d, snapshot({ sessions: synced([...sessions.values()], v), queues: q }), v))).toEqual(['claim-task ccl-auto-1', 'submit-task ccl-auto-1']);
  });

  it('stops the warm agents beyond pool.prewarm (it was lowered), those still starting first, then the last', () => {
    const d = warmPool(4, (x) => x, 1);
    const v = views(
      view('ccl-auto-1', 'ready', { agent: 'claude', warm: warmOn(WEBAPP) }), view('ccl-auto-2', 'warming', { agent: 'claude', warm: warmOn(BILLING) }),
      view('ccl-auto-3', 'ready', { agent: 'claude', warm: warmOn(WEBAPP) }), view('ccl-auto-4', 'idle'),
    );
    const sessions = synced(['ccl-auto-1', 'ccl-auto-2', 'ccl-auto-3', 'ccl-auto-4'].map((n) => observed(n)), v);
    const actions = plan(d, snapshot({ sessions }), v);
    expect(kinds(actions)).toEqual(['stop-agent ccl-auto-2', 'stop-agent ccl-auto-3']);
    expect(actions[0]).toMatchObject({ task: null, disposition: 'done', cooldownUntil: NOW, verdict: { outcome: 'done', reason: 'more agents are warm than pool.prewarm (1) keeps' } });
    // One already being stopped is not counted again.
    expect(kinds(plan(d, snapshot({ sessions }), v, { inFlight: new Set(['ccl-auto-3']) }))).toEqual(['stop-agent ccl-auto-2']);
  });

  it('gives a task straight to a warm agent of its project and model: a claim and a submit, no launch', () => {
    const d = warmPool(2);
    const model = warmModel(d.agents.claude!);
    const v = views(view('ccl-auto-1', 'ready', { agent: 'claude', warm: warmOn(BILLING, model) }), view('ccl-auto-2', 'ready', { agent: 'claude', warm: warmOn(WEBAPP, model) }));
    const sessions = synced([observed('ccl-auto-1'), observed('ccl-auto-2')], v);
    const q = [queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md')] }), queue(BILLING)];
    const actions = plan(d, snapshot({ sessions, queues: q }), v);
    expect(actions).toEqual([
      { kind: 'claim-task', session: 'ccl-auto-2', task: expect.objectContaining({ name: 'a.md' }), warm: true },
      { kind: 'submit-task', session: 'ccl-auto-2', task: `${WEBAPP}/.agent-queue/inbox/a.md`, agent: 'claude', warm: warmOn(WEBAPP, model) },
    ]);
  });

  it('starts a fresh agent for a task no warm agent fits: in an idle slot first, else in place of a warm one', () => {
    const d = warmPool(2);
    const model = warmModel(d.agents.claude!);
    const critical = pending(WEBAPP, 'urgent.md', { priority: 'critical' });
    expect(d.agents.claude!.models.critical).not.toBe(model); // the fixture's critical tasks need another model
    const q = [queue(WEBAPP, { pending: [critical] }), queue(BILLING)];
    const ready = view('ccl-auto-1', 'ready', { agent: 'claude', warm: warmOn(WEBAPP, model) });
    const withIdle = views(ready, view('ccl-auto-2', 'idle'));
    expect(kinds(plan(d, snapshot({ sessions: synced([observed('ccl-auto-1'), observed('ccl-auto-2')], withIdle), queues: q }), withIdle)))
      .toEqual(['claim-task ccl-auto-2', 'launch-agent ccl-auto-2']);
    const alone = views(ready);
    const actions = plan(warmPool(1), snapshot({ sessions: synced([observed('ccl-auto-1')], alone), queues: q }), alone);
    expect(actions).toEqual([
      { kind: 'claim-task', session: 'ccl-auto-1', task: critical },
      expect.objectContaining({ kind: 'launch-agent', session: 'ccl-auto-1', model: d.agents.claude!.models.critical }),
    ]);
  });

  it('gives a task that resumes an agent session, or a retry, an agent launched for it', () => {
    const d = warmPool(1);
    const v = views(view('ccl-auto-1', 'ready', { agent: 'claude', warm: warmOn(WEBAPP, warmModel(d.agents.claude!)) }));
    const sessions = synced([observed('ccl-auto-1')], v);
    const resume = pending(WEBAPP, 'resume.md', { resume: true });
    expect(kinds(plan(d, snapshot({ sessions, queues: [queue(WEBAPP, { pending: [resume] }), queue(BILLING)] }), v))).toEqual(['claim-task ccl-auto-1', 'launch-agent ccl-auto-1']);
    const retry = pending(WEBAPP, 'again.md', { where: 'active', attempts: 1 });
    expect(kinds(plan(d, snapshot({ sessions, queues: [queue(WEBAPP, { pending: [retry] }), queue(BILLING)] }), v))).toEqual(['claim-task ccl-auto-1', 'launch-agent ccl-auto-1']);
  });

  it('lets a task wait for its warm agent that is still starting, instead of replacing another warm agent', () => {
    const d = warmPool(2);
    const model = warmModel(d.agents.claude!);
    const v = views(view('ccl-auto-1', 'warming', { agent: 'claude', warm: warmOn(WEBAPP, model) }), view('ccl-auto-2', 'ready', { agent: 'claude', warm: warmOn(BILLING, model) }));
    const sessions = synced([observed('ccl-auto-1'), observed('ccl-auto-2')], v);
    const q = [queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md')] }), queue(BILLING)];
    expect(plan(d, snapshot({ sessions, queues: q }), v)).toEqual([]);
  });

  it('removes a warming or ready slot the pool no longer wants, like an idle one', () => {
    const v = views(view('ccl-auto-1', 'idle'), view('ccl-auto-2', 'warming', { agent: 'claude' }), view('ccl-auto-3', 'ready', { agent: 'claude', warm: warmOn(WEBAPP) }));
    const sessions = synced([observed('ccl-auto-1'), observed('ccl-auto-2'), observed('ccl-auto-3')], v);
    expect(kinds(plan(warmPool(1), snapshot({ sessions }), v))).toEqual(['warm-agent ccl-auto-1', 'kill-session ccl-auto-2', 'kill-session ccl-auto-3']);
  });
});

describe('interpret: warm agents', () => {
  it('a warming agent showing its prompt is ready; one at a dialog is not', () => {
    const v = views(view('ccl-auto-1', 'warming', { agent: 'claude' }), view('ccl-auto-2', 'warming', { agent: 'claude' }));
    const snap = snapshot({
      sessions: synced([observed('ccl-auto-1'), observed('ccl-auto-2')], v),
      agents: { 'ccl-auto-1': signals({ screen: { ready: true } }), 'ccl-auto-2': signals({ screen: { dialog: true } }) },
    });
    expect(interpret(warmPool(2), snap, v)).toEqual([{ session: 'ccl-auto-1', event: { type: 'READY' } }]);
  });

  it('a warm agent that ended is replaced, not given a task', () => {
    const v = views(view('ccl-auto-1', 'ready', { agent: 'claude', warm: warmOn(WEBAPP) }));
    const snap = snapshot({ sessions: synced([observed('ccl-auto-1', { process: { dead: true, status: 1, signal: null } })], v) });
    expect(interpret(warmPool(1), snap, v)).toEqual([
      { session: 'ccl-auto-1', event: { type: 'AGENT_ENDED', verdict: { outcome: 'failed', reason: expect.stringMatching(/^the warm agent exited/) } } },
    ]);
  });

  it('adopts a warm agent saved on its session: ready when its screen shows the prompt, else warming until its prompt timeout', () => {
    const d = warmPool(2);
    const w = warmOn(WEBAPP);
    const saved = { state: 'warming', task: warmTag(w), until: null, agent: 'claude' };
    const snap = snapshot({
      sessions: [observed('ccl-auto-1', { saved }), observed('ccl-auto-2', { saved })],
      agents: { 'ccl-auto-1': signals({ screen: { ready: true } }), 'ccl-auto-2': signals({ screen: { ready: false } }) },
    });
    expect(interpret(d, snap, new Map())).toEqual([
      { session: 'ccl-auto-1', event: { type: 'ADOPT', state: 'ready', task: null, deadline: null, draining: false, agent: 'claude', warm: w } },
      { session: 'ccl-auto-2', event: { type: 'ADOPT', state: 'warming', task: null, deadline: w.launchedAt + d.agents.claude!.promptTimeoutMs, draining: false, agent: 'claude', warm: w } },
    ]);
  });

  it('adopts as idle a session saved as warm without its agent (an older agentpool\'s): that agent is replaced', () => {
    const snap = snapshot({ sessions: [observed('ccl-auto-1', { saved: { state: 'ready', task: '', until: null, agent: 'claude' } })] });
    expect(interpret(warmPool(1), snap, new Map())).toEqual([
      { session: 'ccl-auto-1', event: { type: 'ADOPT', state: 'idle', task: null, deadline: null, draining: false } },
    ]);
  });
});

describe('slot tags of a warm agent', () => {
  it('are the same warming or ready, and name the agent', () => {
    const w = warmOn(BILLING);
    const warming = slotStateTags(view('ccl-auto-1', 'warming', { agent: 'claude', warm: w, deadline: NOW + 30_000 }));
    expect(warming).toEqual({ state: 'warming', task: warmTag(w), until: '', agent: 'claude' });
    expect(slotStateTags(view('ccl-auto-1', 'ready', { agent: 'claude', warm: w }))).toEqual(warming);
    expect(parseWarmTag(warming!.task)).toEqual(w);
    for (const bad of ['', '/src/webapp/.agent-queue/active/a.md', '{"project":1}', '{nope']) expect(parseWarmTag(bad)).toBeNull();
  });
});
