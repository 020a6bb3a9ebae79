import { describe, it, expect } from 'vitest';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import { readScreen } from '../../src/agents/screen.js';

const RULE = '─'.repeat(72);
const BANNER = [
  '╭───────────────────────────────────────────────────╮',
  '│ ✻ Welcome to Claude Code!                         │',
  '│                                                   │',
  '│   cwd: /src/webapp                                │',
  '╰───────────────────────────────────────────────────╯',
  '',
];
const STATUS = '  ⏵⏵ bypass permissions on (shift+tab to cycle) · ← for agents';
const screen = (...lines: string[]) => lines.join('\n');

const READY = screen(...BANNER, RULE, '❯ ', RULE, STATUS);
const BUSY = screen(
  ...BANNER, '> [fix-login.md] Fix the login page', '', '✻ Pondering… (12s · ↓ 340 tokens · esc to interrupt)', '',
  RULE, '❯ ', RULE, '  ⏵⏵ bypass permissions on (shift+tab to cycle) · esc to interrupt',
);
const TRUST = screen(
  RULE, ' Do you trust the files in this folder?', '', ' /src/webapp', '',
  '❯ 1. Yes, proceed', '  2. No, exit', '', ' Enter to confirm · Esc to cancel',
);
const BYPASS = screen(
  ' WARNING: Claude Code running in Bypass Permissions mode', '',
  ' ❯ 1. No, exit', '   2. Yes, I accept', '', ' Enter to confirm · Esc to exit',
);

describe.each(['claude', 'fake'])('readScreen with the %s profile', (name) => {
  const patterns = SHIPPED_PROFILES[name]!.screen;
  const read = (text: string) => readScreen(patterns, text);

  it('sees the ready input box: a ❯ line right under a rule', () => {
    expect(read(READY)).toEqual({ ready: true, dialog: false, busy: false });
    expect(read(screen(RULE, '❯', RULE)).ready).toBe(true);
  });

  it('does not take the banner box or a ❯ without a rule above it for the input box', () => {
    expect(read(screen(...BANNER, '❯ ', STATUS)).ready).toBe(false);
    expect(read(screen(RULE, '', '❯ ')).ready).toBe(false);
    expect(read(screen('───', '❯ ')).ready).toBe(false);
  });

  it('a menu with `❯ 1. Yes` is a dialog, never ready, even right under a rule', () => {
    expect(read(TRUST)).toEqual({ ready: false, dialog: true, busy: false });
    expect(read(screen(RULE, '❯ 1. Yes', '  2. No')).ready).toBe(false);
    expect(read(BYPASS)).toMatchObject({ ready: false, dialog: true });
    // A dialog on top of an input box still wins.
    expect(read(screen(READY, '', ' Select an option:', '  1. a')).ready).toBe(false);
  });

  it('sees a busy agent although its input box shows ❯', () => {
    expect(read(BUSY)).toEqual({ ready: true, dialog: false, busy: true });
  });

  it('reports an API error line, bullet and all', () => {
    const s = screen(...BANNER, '> task', '● API Error: Unable to connect to API (ConnectionRefused)', '', RULE, '❯ ', RULE);
    expect(read(s)).toEqual({ ready: true, dialog: false, busy: false, error: '● API Error: Unable to connect to API (ConnectionRefused)' });
    expect(read(screen('  ⎿  API Error: 500 {"type":"error","error":{"type":"api_error"}}')).error).toBe(
      '⎿  API Error: 500 {"type":"error","error":{"type":"api_error"}}',
    );
  });

  it('does not take retries in progress or prose mentioning errors for an error', () => {
    expect(read('✻ Unable to connect to API (FailedToOpenSocket) · Retrying in 4s · attempt 4/10').error).toBeUndefined();
    expect(read('● I fixed the API Error: handling in client.ts').error).toBeUndefined();
  });

  it.each([
    "You've hit your session limit · resets 12:50am (America/Los_Angeles)",
    'Claude usage limit reached. Your limit will reset at 1pm (Etc/GMT+5)',
    '5-hour limit reached ∙ resets 5am',
  ])('reads a usage limit: %s', (line) => {
    const r = read(screen(...BANNER, '> task', `● ${line}`, '', RULE, '❯ ', RULE));
    expect(r.rateLimit).toBe(`● ${line}`);
    expect(r.error).toBeUndefined();
  });

  it('reads API throttling as a rate limit, not an error', () => {
    const line = '● API Error: Server is temporarily limiting requests (not your usage limit) · Rate limited';
    expect(read(screen('> task', line))).toEqual({ ready: false, dialog: false, busy: false, rateLimit: line });
  });

  it('reads nothing on a blank or starting screen', () => {
    expect(read('')).toEqual({ ready: false, dialog: false, busy: false });
    expect(read(screen(...BANNER))).toEqual({ ready: false, dialog: false, busy: false });
  });
});

describe('readScreen with custom patterns', () => {
  it('the generic profile has no patterns and reads nothing', () => {
    expect(readScreen(SHIPPED_PROFILES.generic!.screen, READY)).toEqual({ ready: false, dialog: false, busy: false });
  });

  it('applies patterns per line (multiline) and reports the first matching pattern’s line', () => {
    const p = { ready: ['^> ?$'], dialog: [], busy: ['thinking'], error: ['^ERR', '^FATAL'], rateLimit: ['rate limit'] };
    const r = readScreen(p, 'aider v1\nFATAL: boom\nERR: first\nthinking...\n> ');
    expect(r).toEqual({ ready: true, dialog: false, busy: true, error: 'ERR: first' });
    expect(readScreen(p, 'hit a rate limit, waiting').rateLimit).toBe('hit a rate limit, waiting');
  });
});
