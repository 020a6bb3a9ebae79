import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { hookSettings } from '../../src/drivers/claude-hooks.js';
import { AGENTPOOL_DIR, buildLaunch, buildMessage, sessionFiles, shellQuote, type LaunchVars } from '../../src/agents/launch.js';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import type { AgentProfile } from '../../src/config/types.js';

const vars: LaunchVars = {
  model: 'opus',
  settings: '/state/sessions/ccl-auto-1/settings.json',
  session: 'ccl-auto-1',
  eventsFile: '/state/sessions/ccl-auto-1/events.jsonl',
  project: '/src/web app',
  agentSessionId: '3f2a9c1e-7b7d-4a6f-9d7e-2c5b1f0e8a11',
  resume: false,
};
const profile = (o: Partial<AgentProfile>): AgentProfile => ({ ...SHIPPED_PROFILES.generic!, ...o });

describe('buildLaunch', () => {
  const buildArgv = (p: Parameters<typeof buildLaunch>[0], v: LaunchVars) => buildLaunch(p, v).argv;

  it('fills the claude profile for a new session', () => {
    expect(buildArgv(SHIPPED_PROFILES.claude!, vars)).toEqual([
      'claude', '--model', 'opus', '--settings', vars.settings, '--dangerously-skip-permissions', '--session-id', vars.agentSessionId,
    ]);
  });

  it('expands {...sessionArgs} to the resume arguments when resuming', () => {
    expect(buildArgv(SHIPPED_PROFILES.claude!, { ...vars, resume: true, agentSessionId: 'prev-1' })).toEqual([
      'claude', '--model', 'opus', '--settings', vars.settings, '--dangerously-skip-permissions', '--resume', 'prev-1',
    ]);
  });

  it('fills {node} and {agentpoolDir} for the fake agent', () => {
    expect(buildArgv(SHIPPED_PROFILES.fake!, vars)).toEqual([
      process.execPath, `${AGENTPOOL_DIR}/dist/agents/fake-agent.js`, '--model', 'opus', '--settings', vars.settings, '--session-id', vars.agentSessionId,
    ]);
  });

  it('fills every placeholder, several per word, and keeps unknown ones as written', () => {
    const p = profile({ command: ['run', '--cwd={project}', '{session}:{model}', '--events', '{eventsFile}', '{unknown}', '{ model }', 'plain'] });
    expect(buildArgv(p, vars)).toEqual(['run', '--cwd=/src/web app', 'ccl-auto-1:opus', '--events', vars.eventsFile, '{unknown}', '{ model }', 'plain']);
  });

  it('expands {...sessionArgs} to nothing when the profile has no such arguments, and only as a whole word', () => {
    const p = profile({ command: ['agent', '{...sessionArgs}', 'x{...sessionArgs}'], resumeArgs: [], newSessionArgs: [] });
    expect(buildArgv(p, vars)).toEqual(['agent', 'x{...sessionArgs}']);
    expect(buildArgv(p, { ...vars, resume: true })).toEqual(['agent', 'x{...sessionArgs}']);
  });

  it('keeps values as single argv words, never splitting or interpreting them', () => {
    const p = profile({ command: ['a', '{project}', '{...sessionArgs}'], newSessionArgs: ['--id={agentSessionId}'] });
    const tricky = { ...vars, project: '/src/$(rm -rf ~); echo "x"', agentSessionId: '' };
    expect(buildArgv(p, tricky)).toEqual(['a', '/src/$(rm -rf ~); echo "x"', '--id=']);
  });

  it('does not re-expand placeholders found inside values', () => {
    const p = profile({ command: ['a', '{project}', '{model}'] });
    expect(buildArgv(p, { ...vars, project: '/src/{model}' })).toEqual(['a', '/src/{model}', 'opus']);
  });
});

describe('buildMessage', () => {
  const suffix = ' When you are done, summarize what you changed.';
  const empty = 'The task file was empty: look at the project and report what needs doing.';

  it('is `[name] body` plus the suffix', () => {
    expect(buildMessage('fix-login.md', 'Fix the login page.', suffix, empty)).toBe(`[fix-login.md] Fix the login page.${suffix}`);
  });

  it('sends the empty-body text for an empty or blank body', () => {
    expect(buildMessage('e.md', '', suffix, empty)).toBe(`[e.md] ${empty}${suffix}`);
    expect(buildMessage('e.md', ' \n\t ', '', empty)).toBe(`[e.md] ${empty}`);
  });

  it('turns CRLF and lone CR into LF and keeps tabs and newlines', () => {
    expect(buildMessage('t.md', 'a\r\nb\rc\n\td', '', '')).toBe('[t.md] a\nb\nc\n\td');
  });

  it('removes ESC and other control characters, so a paste cannot end early', () => {
    const body = 'before\x1b[201~after\x00\x07\x08\x0b\x0c\x7f end';
    expect(buildMessage('t.md', body, '', '')).toBe('[t.md] before[201~after end');
    expect(buildMessage('t.md', 'x', ' \x1bsuffix', '')).toBe('[t.md] x suffix');
  });

  it('keeps Unicode text as it is', () => {
    expect(buildMessage('ü.md', 'Grüße — ✓ 漢字 🙂', '', '')).toBe('[ü.md] Grüße — ✓ 漢字 🙂');
  });
});

describe('shellQuote', () => {
  it('single-quotes, escaping single quotes', () => {
    expect(shellQuote('/usr/bin/node')).toBe("'/usr/bin/node'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('$HOME `x` "y" \\ *')).toBe("'$HOME `x` \"y\" \\ *'");
  });
});

describe('session files and hook settings', () => {
  it('puts a session’s files under <stateDir>/sessions/<session>', () => {
    expect(sessionFiles('/state', 'ccl-auto-3')).toEqual({
      dir: '/state/sessions/ccl-auto-3',
      settings: '/state/sessions/ccl-auto-3/settings.json',
      events: '/state/sessions/ccl-auto-3/events.jsonl',
      prompt: '/state/sessions/ccl-auto-3/prompt.md',
    });
  });

  it('hooks every event of interest to one quoted command that appends to the events file', () => {
    const events = "/state/it's/events.jsonl";
    const s = hookSettings(events) as { hooks: Record<string, Array<{ hooks: Array<{ type: string; command: string }> }>> };
    expect(Object.keys(s.hooks).sort()).toEqual(['Notification', 'SessionStart', 'Stop', 'StopFailure', 'UserPromptSubmit']);
    const command = ['/bin/sh', join(AGENTPOOL_DIR, 'src', 'agents', 'hook.sh'), events].map(shellQuote).join(' ');
    for (const entries of Object.values(s.hooks)) expect(entries).toEqual([{ hooks: [{ type: 'command', command }] }]);
  });

  it("turns off Claude Code's own continuation after a usage limit: agentpool owns the cooldown and the retry", () => {
    expect(hookSettings('/e.jsonl')).toMatchObject({ autoContinueAtUsageLimit: false });
  });
});
