/**
 * The shipped profiles' screen patterns and dialog answers over real screens of every captured version of
 * each CLI (test/fixtures/screens/<profile>-<version>/, each with its expected.json).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseResetTime } from '../../src/agents/reset-time.js';
import { readScreen } from '../../src/agents/screen.js';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import { interpret } from '../../src/reconciler/interpret.js';
import { desired, observed, signals, snapshot, view, views } from '../reconciler/fixtures.js';

interface Expected {
  ready: boolean;
  dialog: boolean;
  busy: boolean;
  error?: string;
  rateLimit?: string;
  answer?: string;
  reset?: string;
  /** When the screen was captured (ISO): a reset is read relative to it. Default: now. */
  at?: string;
  lastWords?: string;
}

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'screens');
const versions = readdirSync(ROOT).filter((d) => /^[a-z]+-\d/.test(d)).sort();

it('has captured screens of every CLI a shipped profile drives', () => {
  expect(versions).toEqual(expect.arrayContaining(['claude-2.1.197', 'claude-2.1.330', 'codex-0.171.0', 'gemini-0.61.0']));
});

describe.each(versions)('%s', (version) => {
  const dir = join(ROOT, version);
  const profile = SHIPPED_PROFILES[version.slice(0, version.indexOf('-'))]!;
  const { $comment: _comment, ...expected } = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Expected> & { $comment?: string };
  const screen = (file: string) => readFileSync(join(dir, file), 'utf8');

  it('has an expectation for every screen and a screen for every expectation', () => {
    const screens = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
    expect(Object.keys(expected).sort()).toEqual(screens);
  });

  it.each(Object.entries(expected))('reads %s', (file, e) => {
    const r = readScreen(profile.screen, screen(file), profile.answers);
    expect({ ready: r.ready, dialog: r.dialog, busy: r.busy }).toEqual({ ready: e.ready, dialog: e.dialog, busy: e.busy });
    if (e.error) expect(r.error).toContain(e.error);
    else expect(r.error).toBeUndefined();
    if (e.rateLimit) expect(r.rateLimit).toContain(e.rateLimit);
    else expect(r.rateLimit).toBeUndefined();
    expect(r.answer ? `${r.answer.name}:${r.answer.choose ?? r.answer.keys?.join('+')}` : undefined).toBe(e.answer);
    if (e.reset) {
      const now = e.at ? Date.parse(e.at) : Date.now();
      const at = parseResetTime(r.rateLimit!, now) ?? parseResetTime(screen(file), now);
      expect(at, 'a reset time in the limit line').toBeDefined();
      const iso = new Date(at!).toISOString();
      expect(e.reset.includes('-') ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16)).toBe(e.reset);
    }
  });

  it.each(Object.entries(expected).filter(([, e]) => e.lastWords))('says what the agent printed before it died: %s', (file, e) => {
    const d = desired(1);
    const snap = snapshot({
      sessions: [observed('ccl-auto-1', { process: { dead: true, status: 1 } })],
      agents: { 'ccl-auto-1': signals({ hooks: { started: false }, screenText: screen(file), screen: {} }) },
    });
    const out = interpret(d, snap, views(view('ccl-auto-1', 'awaitingPrompt', { task: '/src/webapp/.agent-queue/active/t.md' })));
    expect(out).toEqual([{ session: 'ccl-auto-1', event: { type: 'AGENT_ENDED', verdict: { outcome: 'failed', reason: `the agent exited with status 1 before it showed a ready prompt; its last words: ${e.lastWords}` } } }]);
  });
});
