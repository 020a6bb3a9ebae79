import { describe, it, expect } from 'vitest';
import { interpret } from '../../src/reconciler/interpret.js';
import { active, desired, desiredFor, NOW, observed, queue, signals, snapshot, view, views, WEBAPP } from './fixtures.js';

const T = `${WEBAPP}/.agent-queue/active/t.md`;
const saved = (state: string, task = '', until: number | null = null) => ({ saved: { state, task, until } });

/** The one event interpret gives `session`, or undefined. */
function eventFor(out: ReturnType<typeof interpret>, session = 'ccl-auto-1') {
  const mine = out.filter((o) => o.session === session);
  expect(mine.length).toBeLessThanOrEqual(1);
  return mine[0]?.event;
}

describe('interpret: adoption', () => {
  it('adopts an owned pool session with no machine yet from the state saved on it', () => {
    const out = interpret(desired(3), snapshot({ sessions: [observed('ccl-auto-1')] }), new Map());
    expect(out).toEqual([{ session: 'ccl-auto-1', event: { type: 'ADOPT', state: 'idle', task: null, deadline: null, draining: false } }]);
  });

  it('adopts sessions outside the range too, so the planner can remove or drain them', () => {
    const out = interpret(desired(1), snapshot({ sessions: [observed('ccl-auto-1'), observed('ccl-auto-7')] }), new Map());
    expect(out.map((o) => o.session)).toEqual(['ccl-auto-1', 'ccl-auto-7']);
  });

  it('adopts a session whose machine is absent (it came back)', () => {
    const out = interpret(desired(1), snapshot({ sessions: [observed('ccl-auto-1')] }), views(view('ccl-auto-1', 'absent')));
    expect(eventFor(out)).toMatchObject({ type: 'ADOPT', state: 'idle' });
  });

  it('never adopts unowned sessions, dedicated ones or non-pool names', () => {
    const sessions = [
      observed('ccl-auto-1', { owned: false, ...saved('working', T, NOW + 1) }),
      observed('ccl-main', { owned: false }),
      observed('ccl-auto-x', { owned: true }),
    ];
    expect(interpret(desired(3), snapshot({ sessions }), new Map())).toEqual([]);
  });

  it('adopts a cooldown with its saved end, or ending now when none was saved', () => {
    const out = interpret(desired(2), snapshot({
      sessions: [observed('ccl-auto-1', saved('cooldown', '', NOW + 4_000)), observed('ccl-auto-2', saved('cooldown'))],
    }), new Map());
    expect(eventFor(out, 'ccl-auto-1')).toEqual({ type: 'ADOPT', state: 'cooldown', task: null, deadline: NOW + 4_000, draining: false });
    expect(eventFor(out, 'ccl-auto-2')).toEqual({ type: 'ADOPT', state: 'cooldown', task: null, deadline: NOW, draining: false });
  });

  it('adopts a session that was waiting for its prompt with a fresh prompt timeout, when the sidecar agrees', () => {
    for (const state of ['launching', 'awaitingPrompt']) {
      const q = queue(WEBAPP, { active: [active(WEBAPP, 't.md', { state: 'launched', session: 'ccl-auto-1' })] });
      const out = interpret(desired(1), snapshot({ sessions: [observed('ccl-auto-1', saved(state, T, NOW - 5))], queues: [q] }), new Map());
      expect(eventFor(out)).toEqual({ type: 'ADOPT', state: 'awaitingPrompt', task: T, deadline: NOW + 30_000, draining: false });
    }
  });

  it('adopts a working session with its saved task deadline', () => {
    const q = queue(WEBAPP, { active: [active(WEBAPP, 't.md', { state: 'submitted', session: 'ccl-auto-1' })] });
    const out = interpret(desired(1), snapshot({ sessions: [observed('ccl-auto-1', saved('working', T, NOW + 60_000))], queues: [q] }), new Map());
    expect(eventFor(out)).toEqual({ type: 'ADOPT', state: 'working', task: T, deadline: NOW + 60_000, draining: false });
  });

  it('adopts a working session without a saved deadline, and a stopping one, as working with a task timeout from now', () => {
    const q = queue(WEBAPP, { active: [active(WEBAPP, 't.md', { state: 'submitted', session: 'ccl-auto-1' })] });
    for (const [state, until] of [['working', null], ['stopping', null], ['stopping', NOW + 60_000]] as const) {
      const out = interpret(desired(1), snapshot({ sessions: [observed('ccl-auto-1', saved(state, T, until))], queues: [q] }), new Map());
      expect(eventFor(out), `${state} ${until}`).toEqual({ type: 'ADOPT', state: 'working', task: T, deadline: NOW + 2 * 3_600_000, draining: false });
    }
  });

  it('adopts an agent that reported its prompt while awaiting it as working (the prompt arrived)', () => {
    for (const state of ['submitting', 'launched'] as const) {
      const q = queue(WEBAPP, { active: [active(WEBAPP, 't.md', { state, session: 'ccl-auto-1' })] });
      const agents = { 'ccl-auto-1': signals({ hooks: { prompts: ['[t.md] do it'] } }) };
      const out = interpret(desired(1), snapshot({ sessions: [observed('ccl-auto-1', saved('awaitingPrompt', T, NOW + 5))], queues: [q], agents }), new Map());
      expect(eventFor(out), state).toEqual({ type: 'ADOPT', state: 'working', task: T, deadline: NOW + 2 * 3_600_000, draining: false });
    }
  });

  it('adopts a paste that began into an agent whose screen shows it working as working (its proof may lag), never as interrupted', () => {
    const q = queue(WEBAPP, { active: [active(WEBAPP, 't.md', { state: 'submitting', session: 'ccl-auto-1' })] });
    const agents = { 'ccl-auto-1': signals({ hooks: { prompts: [] }, screen: { busy: true } }) };
    const out = interpret(desired(1), snapshot({ sessions: [observed('ccl-auto-1', saved('awaitingPrompt', T, NOW + 5))], queues: [q], agents }), new Map());
    expect(eventFor(out)).toEqual({ type: 'ADOPT', state: 'working', task: T, deadline: NOW + 2 * 3_600_000, draining: false });
    // Before any paste, a busy screen proves nothing (an agent still starting): it waits for its prompt.
    const launched = queue(WEBAPP, { active: [active(WEBAPP, 't.md', { state: 'launched', session: 'ccl-auto-1' })] });
    const early = interpret(desired(1), snapshot({ sessions: [observed('ccl-auto-1', saved('awaitingPrompt', T, NOW + 5))], queues: [launched], agents }), new Map());
    expect(eventFor(early)).toMatchObject({ type: 'ADOPT', state: 'awaitingPrompt' });
  });

  it('adopts a paste that began but was never confirmed as stopping with an interrupted verdict (never pasted twice)', () => {
    const q = queue(WEBAPP, { active: [active(WEBAPP, 't.md', { state: 'submitting', session: 'ccl-auto-1' })] });
    const agents = { 'ccl-auto-1': signals({ hooks: { prompts: [] } }) };
    for (const snap of [snapshot({ sessions: [observed('ccl-auto-1', saved('awaitingPrompt', T, NOW + 5))], queues: [q], agents }),
      snapshot({ sessions: [observed('ccl-auto-1', saved('awaitingPrompt', T, NOW + 5))], queues: [q] })]) {
      expect(eventFor(interpret(desired(1), snap, new Map()))).toEqual({
        type: 'ADOPT', state: 'stopping', task: T, deadline: null, draining: false,
        verdict: { outcome: 'interrupted', reason: expect.stringMatching(/never confirmed/) },
      });
    }
  });

  it('keeps the saved task only when an active task’s sidecar names this session and is not queued', () => {
    const cases = [
      { why: 'no such active task', active: [] },
      { why: 'sidecar names another session', active: [active(WEBAPP, 't.md', { session: 'ccl-auto-2' })] },
      { why: 'sidecar is queued again', active: [active(WEBAPP, 't.md', { state: 'queued', session: 'ccl-auto-1' })] },
      { why: 'a different task is ours', active: [active(WEBAPP, 'other.md', { session: 'ccl-auto-1' })] },
    ];
    for (const c of cases) {
      for (const state of ['awaitingPrompt', 'working']) {
        const out = interpret(desired(1), snapshot({ sessions: [observed('ccl-auto-1', saved(state, T, NOW + 1))], queues: [queue(WEBAPP, { active: c.active })] }), new Map());
        expect(eventFor(out), `${c.why} (${state})`).toMatchObject({ type: 'ADOPT', state: 'idle', task: null });
      }
    }
    for (const state of ['claimed', 'launched', 'submitted'] as const) {
      const q = queue(WEBAPP, { active: [active(WEBAPP, 't.md', { state, session: 'ccl-auto-1' })] });
      const out = interpret(desired(1), snapshot({ sessions: [observed('ccl-auto-1', saved('working', T, NOW + 1))], queues: [q] }), new Map());
      expect(eventFor(out), state).toMatchObject({ state: 'working', task: T });
    }
  });

  it('adopts an unknown saved state as idle, and never brings back a task for idle', () => {
    const q = queue(WEBAPP, { active: [active(WEBAPP, 't.md', { session: 'ccl-auto-1' })] });
    const sessions = [observed('ccl-auto-1', saved('exploded', T)), observed('ccl-auto-2', saved('idle', T))];
    const out = interpret(desired(2), snapshot({ sessions, queues: [q] }), new Map());
    expect(eventFor(out, 'ccl-auto-1')).toEqual({ type: 'ADOPT', state: 'idle', task: null, deadline: null, draining: false });
    expect(eventFor(out, 'ccl-auto-2')).toEqual({ type: 'ADOPT', state: 'idle', task: null, deadline: null, draining: false });
  });
});

describe('interpret: sessions that went away', () => {
  it('reports VANISHED for every known slot whose session is gone or no longer ours', () => {
    const v = views(view('ccl-auto-1', 'idle'), view('ccl-auto-2', 'working', { task: T }), view('ccl-auto-3', 'cooldown'), view('ccl-auto-4', 'absent'));
    const sessions = [observed('ccl-auto-3', { owned: false })];
    expect(interpret(desired(4), snapshot({ sessions }), v)).toEqual([
      { session: 'ccl-auto-1', event: { type: 'VANISHED' } },
      { session: 'ccl-auto-2', event: { type: 'VANISHED' } },
      { session: 'ccl-auto-3', event: { type: 'VANISHED' } },
    ]);
  });

  it('says nothing when tmux could not be asked', () => {
    const v = views(view('ccl-auto-1', 'working', { task: T }));
    expect(interpret(desired(1), snapshot({ backend: { ok: false, error: 'no server running' } }), v)).toEqual([]);
  });

  it('leaves sessions with an action in flight to that action', () => {
    const v = views(view('ccl-auto-1', 'idle'), view('ccl-auto-2', 'working', { task: T }));
    const sessions = [observed('ccl-auto-2', { process: { dead: true, status: 1 } }), observed('ccl-auto-3')];
    expect(interpret(desired(3), snapshot({ sessions }), v, new Set(['ccl-auto-1', 'ccl-auto-2', 'ccl-auto-3']))).toEqual([]);
  });
});

describe('interpret: agents', () => {
  const working = views(view('ccl-auto-1', 'working', { task: T, deadline: NOW + 60_000 }));
  const one = (o: Parameters<typeof observed>[1] = {}) => [observed('ccl-auto-1', o)];

  it('ends the task as done on the Stop hook, with the last message', () => {
    const agents = { 'ccl-auto-1': signals({ hooks: { prompts: ['[t.md] do it'], stop: { lastMessage: 'All tests pass.', backgroundTasks: [] } } }) };
    expect(eventFor(interpret(desired(1), snapshot({ sessions: one(), agents }), working))).toEqual({
      type: 'AGENT_ENDED', verdict: { outcome: 'done', reason: 'the agent finished its turn', lastMessage: 'All tests pass.' },
    });
  });

  it('does not end the task on a Stop whose turn left shells or subagents running, and ends it on the next clean Stop', () => {
    const stillRunning = { 'ccl-auto-1': signals({ hooks: { prompts: ['x'], stop: { lastMessage: 'Build started.', backgroundTasks: ['npm run build'] } } }) };
    expect(interpret(desired(1), snapshot({ sessions: one(), agents: stillRunning }), working)).toEqual([]);
    const finished = { 'ccl-auto-1': signals({ hooks: { prompts: ['x'], stop: { lastMessage: 'Build passed.', backgroundTasks: [] } } }) };
    expect(eventFor(interpret(desired(1), snapshot({ sessions: one(), agents: finished }), working))).toMatchObject({ verdict: { outcome: 'done', lastMessage: 'Build passed.' } });
  });

  it('a rate_limit StopFailure is limited until the reset time on the screen', () => {
    const text = "You've hit your session limit · resets 12:50am (America/Los_Angeles)";
    const agents = {
      'ccl-auto-1': signals({
        hooks: { prompts: ['x'], stopFailure: { error: 'rate_limit', lastMessage: 'API Error: rate limit' } },
        screen: { rateLimit: text }, screenText: `● ${text}`,
      }),
    };
    // NOW is 2023-11-14 14:13:20 PST; the next 00:50 there is 2023-11-15 08:50 UTC.
    expect(eventFor(interpret(desired(1), snapshot({ sessions: one(), agents }), working))).toEqual({
      type: 'AGENT_ENDED', verdict: { outcome: 'limited', reason: `usage or rate limit: ${text}`, until: Date.UTC(2023, 10, 15, 8, 50) },
    });
  });

  it('a rate_limit StopFailure without a reset time is limited with no `until`', () => {
    const agents = { 'ccl-auto-1': signals({ hooks: { prompts: ['x'], stopFailure: { error: 'rate_limit', lastMessage: '' } } }) };
    const ev = eventFor(interpret(desired(1), snapshot({ sessions: one(), agents }), working));
    expect(ev).toEqual({ type: 'AGENT_ENDED', verdict: { outcome: 'limited', reason: 'usage or rate limit: rate_limit' } });
  });

  it('reads the reset time from the last message when the screen was not captured', () => {
    const msg = 'Claude usage limit reached. Your limit will reset at 1pm (Etc/GMT+5)';
    const agents = { 'ccl-auto-1': signals({ hooks: { prompts: ['x'], stopFailure: { error: 'rate_limit', lastMessage: msg } } }) };
    const ev = eventFor(interpret(desired(1), snapshot({ sessions: one(), agents }), working));
    // Etc/GMT+5 is UTC−5: 1pm there is 18:00 UTC; NOW is 22:13 UTC, so the next one is tomorrow.
    expect(ev).toMatchObject({ type: 'AGENT_ENDED', verdict: { outcome: 'limited', until: Date.UTC(2023, 10, 15, 18, 0) } });
  });

  it('a server_error StopFailure fails the turn with the error and message', () => {
    const agents = { 'ccl-auto-1': signals({ hooks: { prompts: ['x'], stopFailure: { error: 'server_error', lastMessage: 'API Error: 500 Internal' } } }) };
    expect(eventFor(interpret(desired(1), snapshot({ sessions: one(), agents }), working))).toEqual({
      type: 'AGENT_ENDED', verdict: { outcome: 'failed', reason: "the agent's turn failed (server_error): API Error: 500 Internal" },
    });
  });

  it('a StopFailure wins over a Stop in the same turn', () => {
    const agents = { 'ccl-auto-1': signals({ hooks: { prompts: ['x'], stop: { lastMessage: '', backgroundTasks: [] }, stopFailure: { error: 'overloaded', lastMessage: '' } } }) };
    expect(eventFor(interpret(desired(1), snapshot({ sessions: one(), agents }), working))).toMatchObject({ verdict: { outcome: 'failed' } });
  });

  it('a dead pane fails the task with its exit status; one tmux has not reaped yet waits a pass for it', () => {
    const a = eventFor(interpret(desired(1), snapshot({ sessions: one({ process: { dead: true, status: 137 } }) }), working));
    expect(a).toEqual({ type: 'AGENT_ENDED', verdict: { outcome: 'failed', reason: 'the agent exited with status 137 while working on the task (crash?)' } });
    const b = eventFor(interpret(desired(1), snapshot({ sessions: one({ process: { dead: true, status: null } }) }), working));
    // Its terminal closed, its status not known yet (a sandboxed agent's bubblewrap exits a moment later):
    // nothing yet, since its status decides between done and failed.
    expect(b).toBeUndefined();
    const c = eventFor(interpret(desired(1), snapshot({ sessions: one({ process: { dead: true, signal: 9 } }) }), working));
    expect(c).toEqual({ type: 'AGENT_ENDED', verdict: { outcome: 'failed', reason: 'the agent exited (killed by signal 9, SIGKILL) while working on the task (crash?)' } });
  });

  it('a clean exit is done for an agent whose done signal is its exit, a failure otherwise', () => {
    const exitAgent = desiredFor('aider', 1, 'agents:', '  aider:', '    extends: generic', '    command: [aider, --model, "{model}", --message-file, "{promptFile}"]', '    done: exit');
    const sessions = one({ process: { dead: true, status: 0 } });
    expect(eventFor(interpret(exitAgent, snapshot({ sessions }), working))).toEqual({
      type: 'AGENT_ENDED', verdict: { outcome: 'done', reason: 'the agent exited with status 0' },
    });
    expect(eventFor(interpret(desired(1), snapshot({ sessions }), working))).toMatchObject({ verdict: { outcome: 'failed' } });
    const crash = one({ process: { dead: true, status: 2 } });
    expect(eventFor(interpret(exitAgent, snapshot({ sessions: crash }), working))).toMatchObject({ verdict: { outcome: 'failed' } });
  });

  it('judges an agent by the profile that launched it, not by the pool agent a reload put in its place', () => {
    // Launched as aider (done when it exits); since then the config says the pool runs claude.
    const d = desiredFor('claude', 1, 'agents:', '  aider:', '    extends: generic', '    command: [aider, "{promptFile}"]', '    done: exit');
    const sessions = one({ process: { dead: true, status: 0 } });
    const launchedAsAider = views(view('ccl-auto-1', 'working', { task: T, deadline: NOW + 60_000, agent: 'aider' }));
    expect(eventFor(interpret(d, snapshot({ sessions }), launchedAsAider))).toMatchObject({ verdict: { outcome: 'done' } });
    expect(eventFor(interpret(d, snapshot({ sessions }), working))).toMatchObject({ verdict: { outcome: 'failed' } });
    // A restarted controller reads the profile from the session's tags.
    const adopted = [observed('ccl-auto-1', { saved: { state: 'working', task: T, until: NOW + 60_000, agent: 'aider' } })];
    const q = [queue(WEBAPP, { active: [active(WEBAPP, 't.md', { session: 'ccl-auto-1' })] })];
    expect(eventFor(interpret(d, snapshot({ sessions: adopted, queues: q }), views()))).toMatchObject({ type: 'ADOPT', state: 'working', agent: 'aider' });
  });

  it('falls back to the screen: a rate limit, an error, or (done: idle) a ready prompt', () => {
    const idleAgent = desiredFor('tui', 1, 'agents:', '  tui:', '    extends: generic', '    command: [tui]', '    done: idle', "    screen: { ready: ['^> $'], busy: ['working'] }");
    const limit = '5-hour limit reached ∙ resets 5am';
    const at = (screen: NonNullable<Parameters<typeof signals>[0]>['screen'], d = desired(1)) =>
      eventFor(interpret(d, snapshot({ sessions: one(), agents: { 'ccl-auto-1': signals({ screen }) } }), working));
    expect(at({ rateLimit: limit })).toMatchObject({ verdict: { outcome: 'limited', reason: `usage or rate limit: ${limit}`, until: expect.any(Number) } });
    expect(at({ error: '● API Error: Unable to connect to API (ConnectionRefused)' })).toEqual({
      type: 'AGENT_ENDED', verdict: { outcome: 'failed', reason: 'the agent showed an error: ● API Error: Unable to connect to API (ConnectionRefused)' },
    });
    expect(at({ ready: true }, idleAgent)).toEqual({ type: 'AGENT_ENDED', verdict: { outcome: 'done', reason: 'the agent is back at its prompt' } });
    expect(at({ ready: true, busy: true }, idleAgent)).toBeUndefined();
    // A hook-driven agent at its prompt is not done until its Stop hook says so.
    expect(at({ ready: true })).toBeUndefined();
  });

  it('says nothing while a working agent gives no signal', () => {
    const agents = { 'ccl-auto-1': signals({ hooks: { prompts: ['x'] }, screen: { ready: true, busy: true } }) };
    expect(interpret(desired(1), snapshot({ sessions: one(), agents }), working)).toEqual([]);
    expect(interpret(desired(1), snapshot({ sessions: one() }), working)).toEqual([]);
  });

  it('an agent awaiting its prompt that reports a submitted prompt is working, with a task timeout from now', () => {
    const v = views(view('ccl-auto-1', 'awaitingPrompt', { task: T, deadline: NOW + 30_000 }));
    const agents = { 'ccl-auto-1': signals({ hooks: { prompts: ['[t.md] fix the login'] } }) };
    expect(interpret(desired(1), snapshot({ sessions: one(), agents }), v)).toEqual([
      { session: 'ccl-auto-1', event: { type: 'SUBMITTED', deadline: NOW + 2 * 3_600_000 } },
    ]);
  });

  it('an agent that dies before its prompt fails the task', () => {
    const v = views(view('ccl-auto-1', 'awaitingPrompt', { task: T }));
    expect(eventFor(interpret(desired(1), snapshot({ sessions: one({ process: { dead: true, status: 127 } }) }), v))).toEqual({
      type: 'AGENT_ENDED', verdict: { outcome: 'failed', reason: 'the agent exited with status 127 before it showed a ready prompt' },
    });
  });

  it('an agent awaiting its prompt with no news gets no event', () => {
    const v = views(view('ccl-auto-1', 'awaitingPrompt', { task: T }));
    const agents = { 'ccl-auto-1': signals({ screen: { ready: true } }) };
    expect(interpret(desired(1), snapshot({ sessions: one(), agents }), v)).toEqual([]);
  });

  it('gives idle, launching, stopping and cooldown slots no agent events', () => {
    const dead = one({ process: { dead: true, status: 1 } });
    const agents = { 'ccl-auto-1': signals({ hooks: { prompts: ['x'], stop: { lastMessage: '', backgroundTasks: [] } } }) };
    for (const state of ['idle', 'launching', 'stopping', 'cooldown'] as const) {
      const v = views(view('ccl-auto-1', state, { task: state === 'idle' || state === 'cooldown' ? null : T }));
      expect(interpret(desired(1), snapshot({ sessions: dead, agents }), v), state).toEqual([]);
    }
  });
});
