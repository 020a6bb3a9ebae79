/**
 * A working agent's session file read as it grows (src/costs/follow.ts, LiveUsage): what each look finds is
 * what reading the whole file then would find, however the writes cut its lines and characters; a file
 * replaced or cut short is read again from its start; subagents' transcripts are followed too.
 */
import { appendFileSync, copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveUsage, attemptUsage } from '../../src/costs/attempt-usage.js';
import { CLAUDE, claudeMessages } from '../../src/costs/claude-transcript.js';
import { FileFollower } from '../../src/costs/follow.js';
import { SHIPPED_PRICES } from '../../src/costs/prices.js';
import { mergeAgents } from '../../src/config/agents.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'costs', 'claude');
const WINDOW = { from: Date.parse('2026-12-06T09:59:00Z'), to: Infinity };
let tmp: string | undefined;
afterEach(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

describe('FileFollower', () => {
  it('finds at each look what the whole file says then, with lines and UTF-8 characters cut between writes', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'agentpool-follow-'));
    const file = join(tmp, 's.jsonl');
    // The fixture with a non-ASCII character in every line, cut into pieces of 7 bytes.
    const whole = Buffer.from(readFileSync(join(DIR, 's1.jsonl'), 'utf8').split('\n').map((l) => (l.trim() ? l.replace(/\}$/, ',"note":"✓ 日本"}') : l)).join('\n'));
    writeFileSync(file, '');
    const f = new FileFollower(file, CLAUDE, WINDOW);
    for (let at = 0; at < whole.length; at += 7) {
      appendFileSync(file, whole.subarray(at, at + 7));
      const written = whole.subarray(0, Math.min(whole.length, at + 7)).toString('utf8');
      // Only whole lines count: what ends in a newline so far.
      expect(await f.read(), `after ${at + 7} bytes`).toEqual(claudeMessages(written.slice(0, written.lastIndexOf('\n') + 1), WINDOW));
    }
    expect((await f.read())!.length).toBe(2);
    // Replaced by a shorter file: read again from its start.
    const first = whole.toString('utf8').split('\n')[0]!;
    writeFileSync(join(tmp, 'new.jsonl'), `${first}\n`);
    copyFileSync(join(tmp, 'new.jsonl'), file);
    expect(await f.read()).toEqual(claudeMessages(`${first}\n`, WINDOW));
    rmSync(file);
    expect(await f.read()).toBeNull();
  });
});

describe('LiveUsage', () => {
  it('counts a working Claude Code session and its subagents as attemptUsage counts the ended one', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'agentpool-live-'));
    cpSync(DIR, tmp, { recursive: true });
    const profile = mergeAgents()['claude']!;
    const a = { transcriptPath: join(tmp, 's1.jsonl'), launchedAt: WINDOW.from + 1_000, claimedAt: null };
    const live = new LiveUsage(profile, a);
    const now = Date.parse('2026-12-06T10:10:00Z');
    expect(await live.read(now, SHIPPED_PRICES)).toEqual(await attemptUsage(profile, a, now, SHIPPED_PRICES));
    expect(live.isFor(a)).toBe(true);
    expect(live.isFor({ ...a, launchedAt: a.launchedAt + 60_000 })).toBe(false);
  });
});
