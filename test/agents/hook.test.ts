/**
 * The hook script (src/agents/hook.sh), run as an agent CLI runs it: through `/bin/sh -c`, the event's
 * JSON on stdin.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hookCommand } from '../../src/agents/launch.js';
import { summarizeEvents } from '../../src/agents/events.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentpool-hook-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the hook command for `file` with `input` on stdin: its exit code and what it printed. */
function runHook(file: string, input: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('/bin/sh', ['-c', hookCommand(file)], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ code: err ? Number(err.code) : 0, out: stdout + stderr });
    });
    child.stdin!.end(input);
  });
}

describe('the hook script', () => {
  it('appends each event as one line, prints nothing, and exits 0', async () => {
    const file = join(dir, 'events.jsonl');
    await writeFile(file, '');
    const pretty = JSON.stringify({ hook_event_name: 'SessionStart', session_id: 's-1' }, null, 2);
    expect(await runHook(file, pretty)).toEqual({ code: 0, out: '' });
    expect(await runHook(file, JSON.stringify({ hook_event_name: 'UserPromptSubmit', prompt: 'a\nb "c" $(d)' }))).toEqual({ code: 0, out: '' });
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => (l ? JSON.parse(l) : null))).toEqual([
      { hook_event_name: 'SessionStart', session_id: 's-1' },
      { hook_event_name: 'UserPromptSubmit', prompt: 'a\nb "c" $(d)' },
      null,
    ]);
    expect(summarizeEvents(await readFile(file, 'utf8'))).toMatchObject({ started: true, agentSessionId: 's-1', prompts: ['a\nb "c" $(d)'] });
  });

  it('writes a 2 MiB event whole while other hooks append beside it: no line is torn', async () => {
    const file = join(dir, 'events.jsonl');
    await writeFile(file, '');
    const big = JSON.stringify({ hook_event_name: 'UserPromptSubmit', prompt: 'x'.repeat(2 << 20) });
    const small = Array.from({ length: 8 }, (_, i) => JSON.stringify({ hook_event_name: 'Notification', message: `n${i}` }));
    const results = await Promise.all([runHook(file, big), ...small.map((s) => runHook(file, s))]);
    expect(results.every((r) => r.code === 0 && r.out === '')).toBe(true);
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(lines.map((l) => JSON.parse(l).hook_event_name).sort()).toEqual(['UserPromptSubmit', ...small.map(() => 'Notification')].sort());
    expect(lines.find((l) => l.length > 1000)).toBe(big);
  });

  it('never follows a symlink planted where the events file should be, and still exits 0', async () => {
    const target = join(dir, 'elsewhere');
    await writeFile(target, 'keep\n');
    const file = join(dir, 'events.jsonl');
    await symlink(target, file);
    expect(await runHook(file, '{"hook_event_name":"Stop"}')).toEqual({ code: 0, out: '' });
    expect(await readFile(target, 'utf8')).toBe('keep\n');
  });

  it('exits 0 without a word when the events file cannot be written', async () => {
    expect(await runHook(join(dir, 'gone', 'events.jsonl'), '{"hook_event_name":"Stop"}')).toEqual({ code: 0, out: '' });
  });
});
