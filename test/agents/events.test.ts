import { describe, it, expect } from 'vitest';
import { EMPTY_SUMMARY, summarizeEvents } from '../../src/agents/events.js';

const line = (o: object) => JSON.stringify(o);
const lines = (...os: object[]) => os.map(line).join('\n') + '\n';

describe('summarizeEvents', () => {
  it('an empty file says nothing happened', () => {
    expect(summarizeEvents('')).toEqual({ started: false, prompts: [] });
    expect(summarizeEvents('\n\n')).toEqual(EMPTY_SUMMARY);
  });

  it('reads a whole successful turn as Claude Code reports it', () => {
    const text = lines(
      { hook_event_name: 'SessionStart', session_id: 'sid-1', transcript_path: '/home/u/.claude/projects/-src-app/sid-1.jsonl', cwd: '/src/app', source: 'startup', model: 'sonnet' },
      { hook_event_name: 'UserPromptSubmit', session_id: 'sid-1', prompt_id: 'p1', prompt: '[fix.md] Fix the login' },
      { hook_event_name: 'Notification', session_id: 'sid-1', notification_type: 'idle_prompt' },
      { hook_event_name: 'Stop', session_id: 'sid-1', prompt_id: 'p1', last_assistant_message: 'Fixed; tests pass.' },
    );
    expect(summarizeEvents(text)).toEqual({
      started: true,
      agentSessionId: 'sid-1',
      transcriptPath: '/home/u/.claude/projects/-src-app/sid-1.jsonl',
      prompts: ['[fix.md] Fix the login'],
      stop: { lastMessage: 'Fixed; tests pass.', backgroundTasks: [] },
    });
  });

  it('reads a failed turn with its error kind', () => {
    const text = lines(
      { hook_event_name: 'UserPromptSubmit', prompt: 'x' },
      { hook_event_name: 'StopFailure', error: 'server_error', last_assistant_message: 'API Error: 500 {"type":"error"}' },
    );
    expect(summarizeEvents(text).stopFailure).toEqual({ error: 'server_error', lastMessage: 'API Error: 500 {"type":"error"}' });
  });

  it('fills in what a hook left out', () => {
    const s = summarizeEvents(lines({ hook_event_name: 'UserPromptSubmit' }, { hook_event_name: 'Stop' }, { hook_event_name: 'StopFailure' }));
    expect(s).toEqual({ started: false, prompts: [''], stop: { lastMessage: '', backgroundTasks: [] }, stopFailure: { error: 'unknown', lastMessage: '' } });
  });

  it('a new prompt clears the end of the earlier turn', () => {
    const s = summarizeEvents(lines(
      { hook_event_name: 'UserPromptSubmit', prompt: 'one' },
      { hook_event_name: 'StopFailure', error: 'rate_limit' },
      { hook_event_name: 'Stop', last_assistant_message: 'partial' },
      { hook_event_name: 'UserPromptSubmit', prompt: 'two' },
    ));
    expect(s.prompts).toEqual(['one', 'two']);
    expect(s.stop).toBeUndefined();
    expect(s.stopFailure).toBeUndefined();
  });

  it('keeps the latest session id (a resume or /clear starts a new one) and ignores non-string fields', () => {
    const s = summarizeEvents(lines(
      { hook_event_name: 'SessionStart', session_id: 'a', transcript_path: '/t/a.jsonl' },
      { hook_event_name: 'SessionStart', session_id: 'b' },
      { hook_event_name: 'SessionStart', session_id: 42, transcript_path: null },
    ));
    expect(s).toMatchObject({ started: true, agentSessionId: 'b', transcriptPath: '/t/a.jsonl' });
  });

  it('skips torn, non-JSON and unknown lines', () => {
    const text = [
      line({ hook_event_name: 'SessionStart', session_id: 's' }),
      'not json',
      '{"hook_event_name":"UserPromptSubmit","prompt":"ha',
      line({ hook_event_name: 'PreToolUse', tool_name: 'Bash' }),
      line({ something: 'else' }),
      '42',
      '"a string"',
      '[1,2]',
      line({ hook_event_name: 'Stop', last_assistant_message: 'ok' }),
    ].join('\n');
    expect(summarizeEvents(text)).toEqual({ started: true, agentSessionId: 's', prompts: [], stop: { lastMessage: 'ok', backgroundTasks: [] } });
  });

  // BUG (src/agents/events.ts:21-26): a line that is valid JSON but `null` throws a TypeError (`e.hook_event_name`
  // on null) instead of being skipped, so one bad line in an events file makes every observe() pass throw. The
  // events file is appended to by processes the agent runs, so it is not fully ours. Fix: after JSON.parse,
  // `if (e === null || typeof e !== 'object') continue;`.
  it('skips a `null` line', () => {
    const text = ['null', line({ hook_event_name: 'Stop', last_assistant_message: 'ok' })].join('\n');
    expect(summarizeEvents(text)).toEqual({ started: false, prompts: [], stop: { lastMessage: 'ok', backgroundTasks: [] } });
  });

  it('tolerates CRLF line ends', () => {
    const text = `${line({ hook_event_name: 'UserPromptSubmit', prompt: 'p' })}\r\n${line({ hook_event_name: 'Stop', last_assistant_message: 'm' })}\r\n`;
    expect(summarizeEvents(text)).toMatchObject({ prompts: ['p'], stop: { lastMessage: 'm', backgroundTasks: [] } });
  });

  it('returns a new summary each time (the empty constant is never filled in)', () => {
    summarizeEvents(lines({ hook_event_name: 'UserPromptSubmit', prompt: 'x' }));
    expect(EMPTY_SUMMARY).toEqual({ started: false, prompts: [] });
  });

  it("reads what a Stop's background_tasks says was still running, whatever shape its entries have", () => {
    const stop = (tasks: unknown) => summarizeEvents(JSON.stringify({ hook_event_name: 'Stop', last_assistant_message: 'm', background_tasks: tasks })).stop;
    expect(stop([{ id: 'b1', type: 'shell', command: 'npm run build' }, { id: 'a2', type: 'subagent', description: 'review the diff' }, { id: 7, type: 'shell' }, 'tail -f log'])).toEqual({
      lastMessage: 'm',
      backgroundTasks: ['npm run build', 'review the diff', 'shell 7', 'tail -f log'],
    });
    expect(stop([])).toEqual({ lastMessage: 'm', backgroundTasks: [] });
    expect(stop(undefined)).toEqual({ lastMessage: 'm', backgroundTasks: [] });
  });

  it("reads Gemini CLI's BeforeAgent as a prompt taken and AfterAgent as the turn's end", () => {
    const s = summarizeEvents(lines(
      { hook_event_name: 'SessionStart', session_id: 'g-1', transcript_path: '/t/g-1.jsonl', source: 'startup' },
      { hook_event_name: 'BeforeAgent', session_id: 'g-1', prompt: 'do it' },
      { hook_event_name: 'AfterAgent', session_id: 'g-1', prompt: 'do it', prompt_response: 'Done.' },
    ));
    expect(s).toEqual({ started: true, agentSessionId: 'g-1', transcriptPath: '/t/g-1.jsonl', prompts: ['do it'], stop: { lastMessage: 'Done.', backgroundTasks: [] } });
  });

  it('keeps the session the prompt went to: a start after it (Gemini CLI 0.61 starts one with source "clear" as it exits) is not the task\'s', () => {
    const s = summarizeEvents(lines(
      { hook_event_name: 'SessionStart', session_id: 'early' },
      { hook_event_name: 'BeforeAgent', session_id: 'task', transcript_path: '/t/task.jsonl', prompt: 'x' },
      { hook_event_name: 'SessionStart', session_id: 'late', transcript_path: '/t/late.jsonl', source: 'clear' },
    ));
    expect(s).toMatchObject({ agentSessionId: 'task', transcriptPath: '/t/task.jsonl' });
  });
});
