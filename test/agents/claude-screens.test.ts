/**
 * The shipped claude profile's screen patterns and dialog answers over real screens of every captured
 * Claude Code version (test/fixtures/screens/claude-<version>/, each with its expected.json).
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
  lastWords?: string;
}

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'screens');
const claude = SHIPPED_PROFILES.claude!;
const versions = readdirSync(ROOT).filter((d) => d.startsWith('claude-')).sort();

it('has captured screens of at least one Claude Code version', () => {
  expect(versions).toContain('claude-2.1.197');
});

describe.each(versions)('%s', (version) => {
  const dir = join(ROOT, version);
  const { $comment: _comment, ...expected } = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Expected> & { $comment?: string };
  const screen = (file: string) => readFileSync(join(dir, file), 'utf8');

  it('has an expectation for every screen and a screen for every expectation', () => {
    const screens = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
    expect(Object.keys(expected).sort()).toEqual(screens);
  });

  it.each(Object.entries(expected))('reads %s', (file, e) => {
    const r = readScreen(claude.screen, screen(file), claude.answers);
    expect({ ready: r.ready, dialog: r.dialog, busy: r.busy }).toEqual({ ready: e.ready, dialog: e.dialog, busy: e.busy });
    if (e.error) expect(r.error).toContain(e.error);
    else expect(r.error).toBeUndefined();
    if (e.rateLimit) expect(r.rateLimit).toContain(e.rateLimit);
    else expect(r.rateLimit).toBeUndefined();
    expect(r.answer ? `${r.answer.name}:${r.answer.choose ?? r.answer.keys?.join('+')}` : undefined).toBe(e.answer);
    if (e.reset) {
      const at = parseResetTime(r.rateLimit!, Date.now());
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
