import type { AgentProfile, Priority } from '../config/types.js';

/**
 * The profiles agentpool ships. A config's `agents:` entries may `extends:` one of these and override any
 * key. Screen patterns are JavaScript regular expressions applied (multiline) to the visible screen; they
 * are the fallback when hooks are off and the way dialogs are recognised. Claude Code's wording is kept per
 * version in test/fixtures/screens/.
 */

const sonnetUnlessCritical: Record<Priority, string> = {
  critical: 'opus',
  high: 'sonnet',
  default: 'sonnet',
  low: 'sonnet',
};

const claudeScreen: AgentProfile['screen'] = {
  // The input box: a `❯` line right under a horizontal rule. Menus also use `❯`, see `dialog`.
  ready: ['^─{8,}\\n❯ ?.*$'],
  dialog: [
    '^\\s*❯\\s*\\d+\\.\\s',
    'Enter to confirm',
    'Do you trust the files',
    'Yes, I accept',
    'Select an option',
  ],
  busy: ['esc to interrupt'],
  // [^\\S\\n]: spaces only, so a match never starts on the blank line above (2.1.197 leaves one).
  error: ['^[^\\S\\n]*[●⎿]?[^\\S\\n]*API Error: (?!.*(?:rate limit|limiting requests|Request rejected \\(429\\))).*$'],
  rateLimit: [
    'usage limit reached',
    // 2.1.197 with a claude.ai login: "You've hit your session limit · resets 3:04am (UTC)"; also weekly,
    // Opus, Sonnet and "org's monthly spend" limits.
    "hit your (?:[\\w'-]+ ){0,3}limit",
    '\\blimit reached\\b.*\\bresets?\\b',
    'Server is temporarily limiting requests',
    // 2.1.197 with an API key: "API Error: Request rejected (429) · <the API's message>", no reset time.
    'API Error: Request rejected \\(429\\)',
  ],
};

/**
 * The dialogs Claude Code 2.1.197 shows that agentpool answers itself (screens in
 * test/fixtures/screens/claude-2.1.197/). Each pattern names the highlighted option, so a key is only
 * sent when the cursor is where the answer expects it. The folder-trust question is answered yes because
 * the folder is a project the operator listed in the config; the bypass-permissions warning because the
 * profile itself passes --dangerously-skip-permissions; the menu that follows a usage limit so that the
 * exit text is not swallowed by it. Left to a person: the API-key question (which credential to use is
 * not agentpool's call) and onboarding (it needs the network); see the README's first-run settings.
 */
const claudeAnswers: AgentProfile['answers'] = [
  { name: 'trust-folder', match: '^\\s*❯ 1\\. Yes, I trust this folder', keys: ['Enter'] },
  { name: 'bypass-permissions', match: 'Bypass Permissions mode[\\s\\S]*^\\s*❯ 1\\. No, exit', keys: ['Down'] },
  { name: 'bypass-permissions', match: 'Bypass Permissions mode[\\s\\S]*^\\s*❯ 2\\. Yes, I accept', keys: ['Enter'] },
  { name: 'rate-limit-options', match: '^\\s*❯ 1\\. Stop and wait for limit to reset', keys: ['Enter'] },
];

const claude: AgentProfile = {
  name: 'claude',
  command: [
    'claude',
    '--model', '{model}',
    '--settings', '{settings}',
    '--dangerously-skip-permissions',
    '{...sessionArgs}',
  ],
  env: {},
  models: sonnetUnlessCritical,
  resumeArgs: ['--resume', '{agentSessionId}'],
  newSessionArgs: ['--session-id', '{agentSessionId}'],
  hooks: true,
  done: 'hook',
  screen: claudeScreen,
  answers: claudeAnswers,
  exit: { text: '/exit', keys: ['Enter'], timeoutMs: 5_000 },
  promptTimeoutMs: 30_000,
  submitVerifyMs: 3_000,
  submitRetries: 3,
  taskTimeoutMs: 2 * 60 * 60_000,
};

export const SHIPPED_PROFILES: Record<string, AgentProfile> = {
  claude,
  // The bundled stand-in for Claude Code: the same screens, hooks and exit, a different program.
  fake: {
    ...claude,
    name: 'fake',
    command: [
      '{node}', '{agentpoolDir}/dist/agents/fake-agent.js',
      '--model', '{model}',
      '--settings', '{settings}',
      '{...sessionArgs}',
    ],
    // The fake agent's first-run dialog is for tests of what happens when nobody answers it.
    answers: [],
    submitVerifyMs: 2_000,
    taskTimeoutMs: 10 * 60_000,
  },
  generic: {
    name: 'generic',
    // A placeholder that a config must override with its own command: one that takes the task through
    // {prompt} or {promptFile}, or one with screen.ready and screen.busy patterns to paste it into.
    command: ['sh', '-c', 'echo "set agents.<name>.command for the generic profile" >&2; exit 1'],
    env: {},
    models: sonnetUnlessCritical,
    resumeArgs: [],
    newSessionArgs: [],
    hooks: false,
    done: 'exit',
    screen: { ready: [], dialog: [], busy: [], error: [], rateLimit: [] },
    answers: [],
    exit: { text: '', keys: ['C-c'], timeoutMs: 2_000 },
    promptTimeoutMs: 30_000,
    submitVerifyMs: 2_000,
    submitRetries: 2,
    taskTimeoutMs: 2 * 60 * 60_000,
  },
};
