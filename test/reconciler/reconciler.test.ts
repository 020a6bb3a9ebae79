/** The reconciler's pass against an in-memory backend and a screen-only agent: a task's whole life, no processes. */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendError } from '../../src/backend/session-backend.js';
import { TerminalError } from '../../src/reconciler/loop.js';
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
  const r = new Reconciler({ backend: w.backend, slots: w.slots, clock: w.clock, log: pino({ level: 'silent' }), wake: () => wakes++ }, w.d);
  /** One pass and its background actions. */
  const pass = async () => {
    w.backend.calls.length = 0;
    const result = await r.pass();
    await r.idle();
    return result;
  };
  return { w, r, pass, wakes: () => wakes };
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

  it('a backend that cannot work at all (tmux not installed) ends the pass with a TerminalError naming the fix', async () => {
    const h = await harness(1);
    h.w.backend.list = async () => {
      throw new BackendError('the tmux binary "tmux" was not found: install tmux (e.g. apt-get install tmux)', 'unavailable');
    };
    await expect(h.pass()).rejects.toThrow(TerminalError);
    expect(h.r.lastBlindSpots).toEqual(['tmux: the tmux binary "tmux" was not found: install tmux (e.g. apt-get install tmux)']);
  });

  it('a backend that does not answer in time is a blind spot of the pass, not a hang and not terminal', async () => {
    const h = await harness(1);
    h.w.backend.list = async () => {
      throw new BackendError('fake backend: listing the sessions got no answer within 10 s', 'timeout');
    };
    await h.pass();
    expect(h.r.lastBlindSpots).toEqual(['tmux: fake backend: listing the sessions got no answer within 10 s']);
    expect(h.w.slots.views()).toEqual([]);
  });
});
