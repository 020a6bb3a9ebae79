/**
 * The keyboard protocol (src/drivers/terminal.ts) over an in-memory backend: when Enter is pressed after a
 * long paste, and which agents count as having taken the prompt. The waits are the profile's, kept short.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import type { AgentProfile } from '../../src/config/types.js';
import { pasteAndSubmit } from '../../src/drivers/terminal.js';
import { FakeBackend, type FakeSession } from '../helpers/fake-backend.js';

const READY = '────────────────\n❯ ';
const BUSY = '✻ Working… (esc to interrupt)';

async function world(o: Partial<AgentProfile> = {}) {
  const backend = new FakeBackend();
  const ref = await backend.create('s-1', {});
  const s = backend.byName('s-1');
  s.screen = READY;
  const profile: AgentProfile = { ...SHIPPED_PROFILES.fake!, submitVerifyMs: 50, submitRetries: 1, ...o };
  const c = { profile, session: 's-1', stateDir: '/nonexistent', log: pino({ level: 'silent' }) };
  return { backend, s, c, io: { backend, ref } };
}

const never = async () => false;

describe('pasteAndSubmit', () => {
  it('presses Enter on a long paste only once the screen holds still (the agent reads it after tmux took it)', async () => {
    const w = await world();
    let behind = 0;
    let screenAtEnter = '';
    w.backend.onText = (s: FakeSession, text: string) => {
      s.screen = `${READY}${text.slice(-20)}`;
      behind = 2; // two more frames before the agent has read it all
    };
    const read = w.backend.readScreen.bind(w.backend);
    w.backend.readScreen = async (ref: string) => {
      if (behind > 0) w.s.screen += String(behind--);
      return read(ref);
    };
    let taken = false;
    w.backend.onKeys = (s, keys) => {
      if (keys[0] === 'Enter') {
        screenAtEnter = s.screen;
        taken = true;
      }
    };
    const r = await pasteAndSubmit(w.c, w.io, 'x'.repeat(20_000), async () => taken, 'prompt hook event');
    expect(r).toEqual({ ok: true, presses: 1 });
    expect(behind).toBe(0);
    expect(screenAtEnter.endsWith('21')).toBe(true);
  });

  it('takes an agent whose screen shows it working for one that has the prompt: no second Enter, no failure', async () => {
    const w = await world();
    w.backend.onKeys = (s, keys) => {
      if (keys[0] === 'Enter') s.screen = `> the task\n${BUSY}`;
    };
    const r = await pasteAndSubmit(w.c, w.io, 'the task', never, 'prompt hook event');
    expect(r).toEqual({ ok: true, presses: 1 });
    expect(w.backend.calls.filter((c) => c === 'keys s-1 Enter')).toHaveLength(1);
  });

  it('fails after 1 + submitRetries presses when there is no proof and the agent does not work', async () => {
    const w = await world();
    const r = await pasteAndSubmit(w.c, w.io, 'the task', never, 'prompt hook event');
    expect(r).toEqual({ ok: false, reason: 'the agent did not take the prompt after 2 Enter presses (no prompt hook event)' });
    expect(w.backend.calls.filter((c) => c === 'keys s-1 Enter')).toHaveLength(2);
  });
});
