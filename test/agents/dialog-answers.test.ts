/**
 * Dialogs a profile answers by itself: recognised on screen, planned as `answer-dialog` (so a dry run shows
 * them) before any submit, configurable per profile; and the config checks that come with pointing the
 * claude profile at another executable.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import { findAnswer, readScreen } from '../../src/agents/screen.js';
import { formatPlan } from '../../src/cli/format-plan.js';
import { plan } from '../../src/reconciler/plan.js';
import { desired, observed, signals, snapshot, synced, view, views, WEBAPP } from '../reconciler/fixtures.js';
import { errorsOf, HEAD, valueOf, yaml } from '../config/helpers.js';

const claude = SHIPPED_PROFILES.claude!;
const SCREENS = join(import.meta.dirname, '..', 'fixtures', 'screens', 'claude-2.1.197');
const fixture = (name: string) => readFileSync(join(SCREENS, `${name}.txt`), 'utf8');
const TASK = `${WEBAPP}/.agent-queue/active/t.md`;

describe('readScreen with answers', () => {
  it('names the first answer whose pattern matches, and such a screen is a dialog, never ready', () => {
    const answers = [
      { name: 'first', match: 'Proceed\\?', keys: ['y'] },
      { name: 'second', match: 'Proceed', keys: ['Enter'] },
    ];
    const text = ['────────', '❯ ', 'Proceed?'].join('\n');
    const r = readScreen({ ready: ['^─+\\n❯'], dialog: [], busy: [], error: [], rateLimit: [] }, text, answers);
    expect(r).toMatchObject({ ready: false, dialog: true, answer: answers[0] });
    expect(findAnswer(answers, 'nothing here')).toBeUndefined();
  });

  it('recognises a dialog by its wording wherever the cursor is, and names the option it wants', () => {
    expect(findAnswer(claude.answers, fixture('bypass-dialog'))).toMatchObject({ name: 'bypass-permissions', choose: 'Yes, I accept' });
    expect(findAnswer(claude.answers, fixture('bypass-dialog-accept'))).toMatchObject({ name: 'bypass-permissions', choose: 'Yes, I accept' });
    expect(findAnswer(claude.answers, fixture('trust-dialog'))).toMatchObject({ name: 'trust-folder', choose: 'Yes, I trust this folder' });
    expect(findAnswer(claude.answers, fixture('api-key-dialog'))).toBeUndefined();
    expect(findAnswer(claude.answers, fixture('ready'))).toBeUndefined();
  });

  it('does not take a task that merely quotes an option for the dialog', () => {
    const screen = ['❯ [t.md] When asked, pick "Yes, I trust this folder".', '', '────────', '❯ ', '────────'].join('\n');
    expect(findAnswer(claude.answers, screen)).toBeUndefined();
  });

  it('reports the line where a match starts, even when a pattern begins with \\s* over a blank line', () => {
    const r = readScreen({ ready: [], dialog: [], busy: [], error: ['^\\s*ERROR:.*$'], rateLimit: [] }, 'ok\n\n   ERROR: disk full\nmore');
    expect(r.error).toBe('ERROR: disk full');
  });
});

describe('planning dialog answers', () => {
  const d = desired(1);
  const sessions = [observed('ccl-auto-1')];
  const waiting = views(view('ccl-auto-1', 'awaitingPrompt', { task: TASK }));
  const seeing = (name: string, v = waiting) => snapshot({ sessions: synced(sessions, v), agents: { 'ccl-auto-1': signals({ screen: readScreen(claude.screen, fixture(name), claude.answers) }) } });

  it('answers a dialog the profile knows instead of submitting, and a dry run shows it', () => {
    const actions = plan(d, seeing('trust-dialog'), waiting);
    expect(actions).toEqual([{ kind: 'answer-dialog', session: 'ccl-auto-1', agent: 'claude', answer: claude.answers[0] }]);
    expect(formatPlan(d, actions)).toEqual(['session/ccl-auto-1 answer-dialog trust-folder (choose "Yes, I trust this folder")']);
  });

  it('submits once the prompt shows, and neither answers nor submits into a dialog it does not know', () => {
    expect(plan(d, seeing('ready'), waiting)).toEqual([{ kind: 'submit-task', session: 'ccl-auto-1', task: TASK, agent: 'claude' }]);
    expect(plan(d, seeing('api-key-dialog'), waiting)).toEqual([]);
  });

  it('leaves a session with an action in flight alone, and answers nothing outside awaiting-prompt', () => {
    expect(plan(d, seeing('trust-dialog'), waiting, { inFlight: new Set(['ccl-auto-1']) })).toEqual([]);
    const working = views(view('ccl-auto-1', 'working', { task: TASK, deadline: Date.now() + 60_000 }));
    expect(plan(d, seeing('trust-dialog', working), working)).toEqual([]);
  });
});

describe('the claude profile in the config', () => {
  const exe = '/opt/claude-code/2.1.197/claude';

  it('takes a command pointing at another executable and merges env over the profile', () => {
    const v = valueOf(yaml(
      ...HEAD,
      'agents:',
      '  claude:',
      `    command: [${exe}, --model, "{model}", --settings, "{settings}", --dangerously-skip-permissions, "{...sessionArgs}"]`,
      '    env: { IS_SANDBOX: "1", DISABLE_AUTOUPDATER: "1" }',
    ));
    expect(v.agents.claude).toMatchObject({
      ...claude,
      command: [exe, '--model', '{model}', '--settings', '{settings}', '--dangerously-skip-permissions', '{...sessionArgs}'],
      env: { IS_SANDBOX: '1', DISABLE_AUTOUPDATER: '1' },
    });
    expect(v.agents.claude!.answers).toEqual(claude.answers);
  });

  it('replaces the answers as a list; [] answers none', () => {
    const v = valueOf(yaml(...HEAD, 'agents:', '  claude:', '    answers: []', '  mine:', '    extends: claude', '    answers: [{name: ok, match: "Continue\\\\?", keys: [y, Enter]}]'));
    expect(v.agents.claude!.answers).toEqual([]);
    expect(v.agents.mine!.answers).toEqual([{ name: 'ok', match: 'Continue\\?', keys: ['y', 'Enter'] }]);
  });

  it('takes an answer that chooses an option by its text', () => {
    const v = valueOf(yaml(...HEAD, 'agents:', '  claude:', '    answers: [{name: theme, match: "Choose the text style", choose: "Dark mode"}]'));
    expect(v.agents.claude!.answers).toEqual([{ name: 'theme', match: 'Choose the text style', choose: 'Dark mode' }]);
    expect(errorsOf(yaml(...HEAD, 'agents:', '  claude:', '    answers: [{name: both, match: x, choose: Yes, keys: [Enter]}]')).join('\n')).toMatch(/agents\.claude\.answers\[0\]/);
    expect(errorsOf(yaml(...HEAD, 'agents:', '  claude:', '    answers: [{name: neither, match: x}]')).join('\n')).toMatch(/agents\.claude\.answers\[0\]/);
  });

  it('rejects an answer whose pattern does not compile or that sends no keys', () => {
    expect(errorsOf(yaml(...HEAD, 'agents:', '  claude:', '    answers: [{name: bad, match: "(", keys: [Enter]}]'))).toEqual([
      expect.stringMatching(/desired-state\.yaml:8:\d+: agents\.claude\.answers\[0\]\.match: not a valid regular expression/),
    ]);
    expect(errorsOf(yaml(...HEAD, 'agents:', '  claude:', '    answers: [{name: none, match: x, keys: []}]')).join('\n')).toMatch(/agents\.claude\.answers\[0\]\.keys/);
  });

  it('takes projects[].trust for a claude pool and refuses it for an agent that cannot record trust', () => {
    expect(valueOf(yaml(...HEAD, 'projects:', '  - {path: /src/app, trust: true}')).projects[0]!.trust).toBe(true);
    expect(errorsOf(yaml(...HEAD, '  agent: mine', 'projects:', '  - {path: /src/app, trust: true}', 'agents:', '  mine:', '    command: [mine, "{promptFile}"]'))).toEqual([
      expect.stringMatching(/:8:\d+: projects\[0\]\.trust: agent "mine" has no way to record folder trust \(folderTrust: none\)/),
    ]);
  });

  it('rejects a command for the pool agent that drops the hook settings while hooks are on', () => {
    const errors = errorsOf(yaml(...HEAD, '  agent: claude', 'agents:', '  claude:', `    command: [${exe}, --dangerously-skip-permissions]`));
    expect(errors).toEqual([expect.stringMatching(/:9:5: agents\.claude\.command: agent "claude" uses the claude-hooks driver but its command does not pass the hooks: add --settings, "\{settings\}"/)]);
    // Fine with hooks off (then screen patterns verify the paste).
    expect(() => valueOf(yaml(...HEAD, '  agent: claude', 'agents:', '  claude:', `    command: [${exe}]`, '    hooks: false'))).not.toThrow();
  });

  it("rejects a codex command without its hooks override, and gemini env that drops its settings file", () => {
    expect(errorsOf(yaml(...HEAD, '  agent: codex', 'agents:', '  codex:', '    command: [codex, --model, "{model}"]'))).toEqual([
      expect.stringMatching(/agents\.codex\.command: agent "codex" uses the codex-hooks driver but its command does not pass the hooks: add "-c", "\{hooks\}"/),
    ]);
    expect(errorsOf(yaml(...HEAD, '  agent: gemini', 'agents:', '  gemini:', '    env: {GEMINI_CLI_SYSTEM_SETTINGS_PATH: /etc/gemini.json}'))).toEqual([
      expect.stringMatching(/agents\.gemini\.env: agent "gemini" uses the gemini-hooks driver but its env does not pass the hooks: set env GEMINI_CLI_SYSTEM_SETTINGS_PATH: "\{settings\}"/),
    ]);
    // Adding a key keeps the shipped one (env merges key by key).
    expect(() => valueOf(yaml(...HEAD, '  agent: gemini', 'agents:', '  gemini:', '    env: {GEMINI_API_KEY: k}'))).not.toThrow();
  });
});
