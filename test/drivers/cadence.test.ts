/**
 * How often each driver asks for a look at a slot when nothing wakes the controller, and that its read
 * then reads the screen: what only a screen shows (a prompt, a dialog, a failed Codex turn) is seen within
 * that time. Pure answers, and reads over an in-memory backend (no processes).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionFiles } from '../../src/agents/launch.js';
import { privateDir, writePrivateFile } from '../../src/agents/private-files.js';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import type { AgentProfile } from '../../src/config/types.js';
import { STARTING_POLL_MS, WORKING_POLL_MS } from '../../src/drivers/cadence.js';
import { DRIVERS, driverFor } from '../../src/drivers/index.js';
import { SLOT_STATES, type SlotState } from '../../src/machines/types.js';
import { FakeBackend } from '../helpers/fake-backend.js';

const profile = (name: string, over: Partial<AgentProfile> = {}): AgentProfile => ({ ...SHIPPED_PROFILES[name]!, ...over });

/** The states a profile's driver asks to be looked at in, with how often. */
const cadence = (p: AgentProfile) => Object.fromEntries(SLOT_STATES.flatMap((s) => {
  const ms = driverFor(p).pollMs(s, p);
  return ms === null ? [] : [[s, ms]];
}));

describe('the poll cadence each driver asks for', () => {
  it('looks at every starting agent soon: its prompt or a dialog shows on screen only', () => {
    for (const name of ['claude', 'codex', 'gemini', 'generic', 'fake']) {
      const p = profile(name);
      expect([p.driver, driverFor(p).pollMs('awaitingPrompt', p), driverFor(p).pollMs('warming', p)]).toEqual([p.driver, STARTING_POLL_MS, STARTING_POLL_MS]);
    }
  });

  it('looks every second at a working agent whose screen alone may say its turn failed: Codex, Gemini, a screen-only CLI', () => {
    expect(STARTING_POLL_MS).toBe(100);
    expect(WORKING_POLL_MS).toBe(1_000);
    // Codex 0.171 fires no hook for a failed turn; Gemini CLI 0.61 none after a terminal quota error.
    expect(cadence(profile('codex'))).toEqual({ warming: 100, awaitingPrompt: 100, working: 1_000 });
    expect(cadence(profile('gemini'))).toEqual({ warming: 100, awaitingPrompt: 100, working: 1_000 });
    expect(cadence(profile('generic'))).toEqual({ warming: 100, awaitingPrompt: 100, working: 1_000 });
  });

  it('leaves a working Claude Code agent to its hooks (Stop and StopFailure both write the watched events file)', () => {
    expect(cadence(profile('claude'))).toEqual({ warming: 100, awaitingPrompt: 100 });
    expect(cadence(profile('fake'))).toEqual({ warming: 100, awaitingPrompt: 100 });
  });

  it('looks every second at a working hook-driven agent whose profile is done when its screen goes idle', () => {
    expect(cadence(profile('claude', { done: 'idle' }))).toEqual({ warming: 100, awaitingPrompt: 100, working: 1_000 });
  });

  it('asks for no look at a slot whose agent is not read, or whose own action is in flight', () => {
    for (const d of Object.values(DRIVERS)) {
      for (const s of ['absent', 'idle', 'ready', 'launching', 'stopping', 'cooldown'] as const) expect(d.pollMs(s, profile('generic'))).toBeNull();
    }
  });
});

describe('a look the cadence asks for reads the screen', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('for every shipped profile and every state it asks a look in', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'agentpool-cadence-'));
    dirs.push(stateDir);
    await privateDir(sessionFiles(stateDir, 's-1').dir);
    // A prompt taken and no end: the working agent as a hook-driven one is after its prompt event.
    await writePrivateFile(sessionFiles(stateDir, 's-1').events, '{"hook_event_name":"UserPromptSubmit","prompt":"x","session_id":"a-1"}\n');
    const backend = new FakeBackend();
    const ref = await backend.create('s-1', {});
    const screenReads = vi.spyOn(backend, 'readScreen');
    const looked: string[] = [];
    for (const name of Object.keys(SHIPPED_PROFILES)) {
      const p = profile(name);
      for (const state of SLOT_STATES) {
        if (driverFor(p).pollMs(state, p) === null) continue;
        screenReads.mockClear();
        const sig = await driverFor(p).read({ profile: p, session: 's-1', stateDir, log: pino({ level: 'silent' }) }, { backend, ref }, { state: state as SlotState, dead: false });
        expect([name, state, screenReads.mock.calls.length, sig.screenText]).toEqual([name, state, 1, 'idle']);
        looked.push(`${name}:${state}`);
      }
    }
    expect(looked).toEqual(expect.arrayContaining(['codex:working', 'gemini:working', 'generic:working', 'claude:awaitingPrompt']));
    expect(looked).not.toContain('claude:working');
  });
});
