/** The reconciler's pass against an in-memory backend and a screen-only agent: a task's whole life, no processes. */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendError } from '../../src/backend/session-backend.js';
import { TerminalError } from '../../src/reconciler/loop.js';
import { RESTART_AFTER_MS } from '../../src/reconciler/backend-health.js';
import { Reconciler } from '../../src/reconciler/reconciler.js';
import { actWorld, type ActWorld } from './act-world.js';

const worlds: string[] = [];
afterEach(async () => {
  for (const dir of worlds.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function harness(size: number) {
  const w = await actWorld(size);
  worlds.push(w.dir);
  let wakes = 0;
  const delayed: number[] = [];
  const r = new Reconciler({ backend: w.backend, slots: w.slots, clock: w.clock, log: pino({ level: 'silent' }), wake: (afterMs) => (afterMs ? delayed.push(afterMs) : wakes++) }, w.d);
  /** One pass and its background actions. */
  const pass = async () => {
    w.backend.calls.length = 0;
    const result = await r.pass();
    await r.idle();
    return result;
  };
  return { w, r, pass, wakes: () => wakes, delayed };
}

const states = (w: ActWorld) => w.slots.views().map((v) => `${v.session}:${v.state}`);

describe('Reconciler.pass', () => {
  it('builds the pool in one pass, then finds it converged: the next pass only looks', async () => {
    const h = await harness(2);
    await h.pass();
    expect(states(h.w)).toEqual(['ccl-auto-1:idle', 'ccl-auto-2:idle']);
    expect(h.wakes()).toBe(2); // each finished group wakes the loop
    await h.pass();
    expect(h.w.backend.calls).toEqual(['list']);
  });

  it('takes a task through its whole life: claim and launch, submit at the ready prompt, done back at the prompt, cooldown, idle', async () => {
    const h = await harness(1);
    await h.w.inboxTask('fix-login.md');
    await h.pass();
    // A slot created by this pass takes the task at once.
    expect(states(h.w)).toEqual(['ccl-auto-1:awaitingPrompt']);
    const session = h.w.backend.byName('ccl-auto-1');
    expect(session.tags).toMatchObject({ state: 'awaitingPrompt', agent: 'screeny' });

    // Nothing is typed before the prompt shows.
    const early = await h.pass();
    expect(h.w.backend.calls.filter((c) => c.startsWith('deliver') || c.startsWith('keys'))).toEqual([]);
    expect(early.requeueAfterMs).toBe(100); // a screen change wakes nothing: look again soon

    session.screen = '> ';
    await h.pass();
    expect(states(h.w)).toEqual(['ccl-auto-1:working']);
    expect(h.w.backend.calls.filter((c) => c.startsWith('deliver'))).toEqual([`deliver ccl-auto-1 ${JSON.stringify(`[fix-login.md] Fix the login bug${h.w.d.tasks.instructionSuffix}`)}`]);

    session.screen = '> '; // back at its prompt, not busy: done
    await h.pass();
    expect(states(h.w)).toEqual(['ccl-auto-1:cooldown']);
    expect(await readdir(join(h.w.project, '.agent-queue', 'done'))).toContain('fix-login.md');
    expect(await readdir(join(h.w.project, '.agent-queue', 'active'))).toEqual([]);
    expect(session.tags).toMatchObject({ state: 'cooldown', task: '', agent: '' });
    expect(h.w.transitions.map((t) => `${t.from}→${t.to}:${t.event}`)).toEqual([
      'absent→idle:CREATED', 'idle→launching:CLAIMED', 'launching→awaiting-prompt:LAUNCHED', 'awaiting-prompt→working:SUBMITTED',
      'working→stopping:AGENT_ENDED', 'stopping→cooldown:STOPPED',
    ]);

    // The cooldown ends by its timer; the next pass writes the idle state onto the session (what status shows).
    h.w.sim.increment(5_000);
    expect(states(h.w)).toEqual(['ccl-auto-1:idle']);
    await h.pass();
    expect(h.w.backend.calls).toEqual(['list', 'tag ccl-auto-1 state=idle task= until= agent=']);
    expect(session.tags.state).toBe('idle');
  });

  it("runs again as soon as a slot's driver asks for a look (src/drivers/cadence.ts), not at a cadence of its own", async () => {
    const h = await harness(1);
    await h.w.inboxTask('fix-login.md');
    await h.pass();
    expect((await h.pass()).requeueAfterMs).toBe(100); // starting: its prompt shows on screen only
    h.w.backend.byName('ccl-auto-1').screen = '> ';
    await h.pass();
    const working = await h.pass();
    expect(states(h.w)).toEqual(['ccl-auto-1:working']);
    expect(working.requeueAfterMs).toBe(1_000); // only its screen says when it ends
    // The same working agent as a hook driver sees it: Claude Code's hooks report a failed turn, Codex's do not.
    const as = (driver: 'claude-hooks' | 'codex-hooks') => h.r.setDesired({ ...h.w.d, agents: { ...h.w.d.agents, screeny: { ...h.w.d.agents.screeny!, driver, done: 'hook' } } });
    as('claude-hooks');
    expect((await h.pass()).requeueAfterMs).toBeUndefined();
    as('codex-hooks');
    expect((await h.pass()).requeueAfterMs).toBe(1_000);
    expect(states(h.w)).toEqual(['ccl-auto-1:working']);
  });

  it('a backend that cannot work at all (tmux not installed) ends the pass with a TerminalError naming the fix', async () => {
    const h = await harness(1);
    h.w.backend.list = async () => {
      throw new BackendError('the tmux binary "tmux" was not found: install tmux (e.g. apt-get install tmux)', 'unavailable');
    };
    await expect(h.pass()).rejects.toThrow(TerminalError);
    expect(h.r.lastBlindSpots).toEqual(['the tmux binary "tmux" was not found: install tmux (e.g. apt-get install tmux)']);
  });

  it('a backend that does not answer in time is a blind spot of the pass, not a hang and not terminal', async () => {
    const h = await harness(1);
    h.w.backend.list = async () => {
      throw new BackendError('fake backend: listing the sessions got no answer within 10 s', 'timeout');
    };
    await h.pass();
    expect(h.r.lastBlindSpots).toEqual(['fake backend: listing the sessions got no answer within 10 s', expect.stringMatching(/^agentpool ends stray command channels/)]);
    expect(h.w.slots.views()).toEqual([]);
  });

  it('runs again after a growing delay when a session\'s actions fail, never at once in a tight loop', async () => {
    const h = await harness(1);
    h.w.backend.create = async () => {
      throw new BackendError('tmux -L x new-session failed: boom', 'failed');
    };
    for (let i = 0; i < 4; i++) await h.pass();
    expect(h.wakes()).toBe(0);
    expect(h.delayed).toEqual([500, 1_000, 2_000, 4_000]);
  });

  it('names a host that refuses, ends strays at once, looks again on a backoff, and restarts the host after RESTART_AFTER_MS', async () => {
    const h = await harness(2);
    await h.pass();
    expect(states(h.w)).toEqual(['ccl-auto-1:idle', 'ccl-auto-2:idle']);
    h.w.backend.listError = new BackendError('tmux -L x list-panes failed: server exited unexpectedly', 'failed');
    h.w.backend.onRepair = (how) => (how === 'strays' ? [] : ['ended the server']);
    const first = await h.pass();
    expect(h.w.backend.calls).toEqual(['list', 'repair strays']);
    expect(first.requeueAfterMs).toBe(500);
    expect(h.r.lastBlindSpots).toEqual([
      'tmux -L x list-panes failed: server exited unexpectedly',
      expect.stringMatching(/^agentpool ends stray command channels and looks again after 0.5 s, doubling to every 5 s; if it still fails at .* it ends the server/),
    ]);
    const retries: number[] = [];
    for (let i = 0; i < 3; i++) {
      h.w.sim.increment(1_000);
      retries.push((await h.pass()).requeueAfterMs!);
      expect(h.w.backend.calls).toEqual(['list', 'repair strays']);
    }
    expect(retries).toEqual([1_000, 2_000, 4_000]);
    h.w.sim.increment(RESTART_AFTER_MS);
    await h.pass();
    expect(h.w.backend.calls).toEqual(['list', 'repair restart']);
    expect(h.r.repairs.map((r) => r.what)).toEqual(['ended the server']);
    // The host answers again (a new server, empty): the pool is built anew, and the problem is gone.
    h.w.backend.listError = null;
    h.w.backend.sessions.clear();
    await h.pass();
    await h.pass();
    expect(states(h.w)).toEqual(['ccl-auto-1:idle', 'ccl-auto-2:idle']);
    expect(h.r.lastBlindSpots).toEqual([]);
  });

  it('never restarts a host where a session that is not the pool\'s was seen', async () => {
    const h = await harness(1);
    await h.w.backend.create('my-own-shell', {});
    h.w.backend.sessions.get('fake-1')!.tags.pool = '';
    const list = h.w.backend.list.bind(h.w.backend);
    h.w.backend.list = async () => (await list()).map((s) => ({ ...s, createdHere: s.name !== 'my-own-shell' }));
    await h.pass();
    h.w.backend.listError = new BackendError('no answer', 'timeout');
    for (let i = 0; i < 6; i++) {
      await h.pass();
      h.w.sim.increment(RESTART_AFTER_MS);
    }
    expect(h.w.backend.calls).toEqual(['list', 'repair strays']);
    expect(h.r.lastBlindSpots.at(-1)).toMatch(/it will not end the server, which hosts sessions that are not the pool's/);
  });
});
