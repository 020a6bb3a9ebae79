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
  error: ['^\\s*[●⎿]?\\s*API Error: (?!.*(?:rate limit|limiting requests)).*$'],
  rateLimit: [
    'usage limit reached',
    'hit your (?:session|usage|weekly) limit',
    '\\blimit reached\\b.*\\bresets?\\b',
    'Server is temporarily limiting requests',
  ],
};

export const SHIPPED_PROFILES: Record<string, AgentProfile> = {
  claude: {
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
    exit: { text: '/exit', keys: ['Enter'], timeoutMs: 5_000 },
    promptTimeoutMs: 30_000,
    submitVerifyMs: 3_000,
    submitRetries: 3,
    taskTimeoutMs: 2 * 60 * 60_000,
  },
  fake: {
    name: 'fake',
    command: [
      '{node}', '{agentpoolDir}/dist/agents/fake-agent.js',
      '--model', '{model}',
      '--settings', '{settings}',
      '{...sessionArgs}',
    ],
    env: {},
    models: sonnetUnlessCritical,
    resumeArgs: ['--resume', '{agentSessionId}'],
    newSessionArgs: ['--session-id', '{agentSessionId}'],
    hooks: true,
    done: 'hook',
    screen: claudeScreen,
    exit: { text: '/exit', keys: ['Enter'], timeoutMs: 5_000 },
    promptTimeoutMs: 30_000,
    submitVerifyMs: 2_000,
    submitRetries: 3,
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
    exit: { text: '', keys: ['C-c'], timeoutMs: 2_000 },
    promptTimeoutMs: 30_000,
    submitVerifyMs: 2_000,
    submitRetries: 2,
    taskTimeoutMs: 2 * 60 * 60_000,
  },
};
