import type { AgentProfile, Priority } from './types.js';

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

/** The pacing of an agent driven through its terminal: how long it may take to show its prompt, to prove it took a paste, to finish a task. */
const interactiveTiming = {
  promptTimeoutMs: 30_000,
  submitVerifyMs: 3_000,
  enterDelayMs: 0,
  submitRetries: 3,
  taskTimeoutMs: 2 * 60 * 60_000,
} satisfies Partial<AgentProfile>;

/** A menu line offering `text`, with or without the cursor and a number: `❯ 1. Yes, I accept`, `  Yes, I accept`. */
const option = (text: string) => `^\\s*(?:❯\\s*)?(?:\\d+\\.\\s*)?${text}\\s*$`;

/**
 * The dialogs Claude Code shows that agentpool answers itself (screens of every supported version in
 * test/fixtures/screens/claude-<version>/). Each is recognised by its wording and answered by the text of
 * the option wanted: the cursor is moved there and Enter pressed only when it is on it, so a reordered
 * menu (2.1.330 put "No, exit" first in the trust question) is still answered right. The folder-trust
 * question is answered yes because the folder is a project the operator listed in the config; the
 * bypass-permissions warning because the profile itself passes --dangerously-skip-permissions; the menu
 * that follows a usage limit with "stop and wait", so the CLI never continues on its own and the exit
 * text is not swallowed by it. Left to a person: the API-key question (which credential to use is not
 * agentpool's call) and onboarding (it needs the network); see the README's first-run settings.
 */
const claudeAnswers: AgentProfile['answers'] = [
  { name: 'trust-folder', match: option('Yes, I trust this folder'), choose: 'Yes, I trust this folder' },
  { name: 'bypass-permissions', match: `Bypass Permissions mode[\\s\\S]*${option('Yes, I accept')}`, choose: 'Yes, I accept' },
  { name: 'rate-limit-options', match: option('Stop and wait for limit to reset'), choose: 'Stop and wait for limit to reset' },
  // 2.1.330 offers its fullscreen renderer where it cannot ask tmux about the terminal (in its sandbox, the
  // pool's tmux socket is hidden from it): the renderer agentpool reads the screen of stays.
  { name: 'fullscreen-renderer', match: `Try the new fullscreen renderer\\?[\\s\\S]*${option('Not now')}`, choose: 'Not now' },
  // 2.1.330 waits out a usage limit and then continues the task by itself. agentpool turns that off in the
  // settings it passes (autoContinueAtUsageLimit: false) and owns the cooldown and the retry; should the
  // CLI still offer it, Escape cancels it, so one owner decides when the task runs again.
  { name: 'cancel-auto-continue', match: '^\\s*Continuing (?:automatically at .*|shortly) · Esc to cancel', keys: ['Escape'] },
];

const claude: AgentProfile = {
  name: 'claude',
  // Claude Code keeps its settings, sessions and transcripts here (CLAUDE_CONFIG_DIR moves both).
  // Its API, and where a claude.ai login is refreshed.
  sandbox: { allow: ['api.anthropic.com:443', 'console.anthropic.com:443', 'claude.ai:443'], write: ['~/.claude', '~/.claude.json', '~/.claude.json.backup'], hide: [] },
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
  driver: 'claude-hooks',
  done: 'hook',
  screen: claudeScreen,
  answers: claudeAnswers,
  folderTrust: 'claude-json',
  // 2.1.330 collapses a paste of more than 800 characters or 2 line breaks and submits it wrapped in
  // <pasted_content> tags; pieces within both arrive as typed (test/fixtures/screens/claude-2.1.330/).
  pasteChunk: { chars: 800, newlines: 2 },
  exit: { text: '/exit', keys: ['Enter'], timeoutMs: 5_000 },
  ...interactiveTiming,
};

/**
 * Codex CLI (`@openai/codex`, screens of 0.171.0 in test/fixtures/screens/codex-<version>/). Its hooks
 * come as a config override (`-c {hooks}`, src/drivers/codex.ts) and run without a review only with
 * --dangerously-bypass-hook-trust; --no-daemon keeps it from leaving a shared background server behind
 * in a pool session. `codex resume <id>` is a subcommand, so the session arguments come first. It takes no
 * session id up front: the task's record gets the one its SessionStart hook reports.
 */
const codex: AgentProfile = {
  name: 'codex',
  sandbox: { allow: ['api.openai.com:443', 'chatgpt.com:443', 'auth.openai.com:443'], write: ['~/.codex'], hide: [] },
  command: ['codex', '{...sessionArgs}', '--model', '{model}', '--no-daemon', '--dangerously-bypass-approvals-and-sandbox', '--dangerously-bypass-hook-trust', '-c', '{hooks}'],
  env: {},
  models: { critical: 'gpt-5.5', high: 'gpt-5.5', default: 'gpt-5.5', low: 'gpt-5.5' },
  resumeArgs: ['resume', '{agentSessionId}'],
  newSessionArgs: [],
  driver: 'codex-hooks',
  done: 'hook',
  screen: {
    // The input line, `› Ask Codex to do anything` until something is typed; it stays while Codex works.
    ready: ['^› '],
    // Its menus put the same `›` before a numbered option, over an `enter … · esc …` footer.
    dialog: ['^\\s*› \\d+\\. ', 'Trust this folder\\?', 'Hooks need review'],
    busy: ['esc to interrupt'],
    // A failed turn ends with one `■ <message>` line, and no hook. "Conversation interrupted" is how a
    // resumed session shows that its last one ended: history, not this turn's failure.
    error: ['^■ (?!.*(?:usage limit|last status: 429|Conversation interrupted)).*$'],
    rateLimit: ['hit your usage limit', 'exceeded retry limit, last status: 429', 'Quota exceeded\\.'],
  },
  answers: [
    { name: 'trust-folder', match: `Trust this folder\\?[\\s\\S]*${option('Trust and continue')}`, choose: 'Trust and continue' },
  ],
  folderTrust: 'none',
  pasteChunk: null,
  exit: { text: '/quit', keys: ['Enter'], timeoutMs: 5_000 },
  ...interactiveTiming,
};

/**
 * Gemini CLI (`@google/gemini-cli`, screens of 0.61.0 in test/fixtures/screens/gemini-<version>/). Its
 * hooks come in the settings file named by GEMINI_CLI_SYSTEM_SETTINGS_PATH (src/drivers/gemini.ts). It takes
 * a session id up front. Its folder-trust question is pre-answered with --skip-trust (the folder is a project
 * the operator listed; answering it instead makes Gemini restart and leaves the question on screen); the
 * dialog after a usage limit is answered "Stop", so it does not keep retrying on its own. A dialog counts
 * only while its box is the last thing on screen: one answered stays above what follows.
 */
/** A Gemini CLI dialog that says `text`, while it is open: its box (`╰──╯`) closes the screen. */
const geminiBox = (text: string) => `${text}[\\s\\S]*╰─+╯\\s*(?![\\s\\S])`;

const gemini: AgentProfile = {
  name: 'gemini',
  sandbox: { allow: ['generativelanguage.googleapis.com:443', 'cloudcode-pa.googleapis.com:443', 'oauth2.googleapis.com:443'], write: ['~/.gemini'], hide: [] },
  command: ['gemini', '--model', '{model}', '--yolo', '--skip-trust', '{...sessionArgs}'],
  // CI=true (or GITHUB_ACTIONS=true) in the controller's environment makes Gemini run headless, waiting
  // for a prompt on stdin with no screen at all: its agents get them as false.
  env: { GEMINI_CLI_SYSTEM_SETTINGS_PATH: '{settings}', CI: 'false', GITHUB_ACTIONS: 'false' },
  models: { critical: 'gemini-2.5-pro', high: 'gemini-2.5-pro', default: 'gemini-2.5-flash', low: 'gemini-2.5-flash' },
  resumeArgs: ['--resume', '{agentSessionId}'],
  newSessionArgs: ['--session-id', '{agentSessionId}'],
  driver: 'gemini-hooks',
  done: 'hook',
  screen: {
    // The input line: ` >   Type your message or @path/to/file` (`*` in YOLO mode); it stays while Gemini works.
    ready: ['^ [>*] +Type your message'],
    dialog: [geminiBox('Do you trust the files in this folder\\?'), geminiBox('Usage limit reached for')],
    // Its spinner: `⠋ Thinking... (esc to cancel, 3s)`; while its hooks run `⠦ Executing Hooks: …`; while
    // `--resume` loads the conversation (its input is off) `⠋ Resuming session...`.
    busy: ['esc to cancel', '^\\s*\\S Executing Hooks?:', '^\\s*\\S Resuming session\\.\\.\\.'],
    error: ['^\\s*✕?\\s*\\[API Error: (?!.*(?:429|RESOURCE_EXHAUSTED|[Qq]uota)).*$'],
    rateLimit: ['Usage limit reached for', 'RESOURCE_EXHAUSTED', 'exceeded your current quota', 'experiencing high demand'],
  },
  answers: [
    { name: 'rate-limit-options', match: geminiBox('Usage limit reached for'), choose: 'Stop' },
  ],
  folderTrust: 'none',
  pasteChunk: null,
  // Ctrl-C twice: the first clears the input ("Press Ctrl+C again to exit."), the second exits. `/quit`
  // goes through a command menu that filters a moment after the text shows, and an Enter before that runs
  // its first entry (/clear).
  exit: { text: '', keys: ['C-c', 'C-c'], timeoutMs: 5_000 },
  ...interactiveTiming,
  // It starts slowly: a 100 MB bundle, run twice (it relaunches itself with a bigger heap). Two starting
  // at once beside other work on two cores took more than 30 s to take a prompt.
  promptTimeoutMs: 60_000,
  // It takes an Enter that comes within 30 ms of the last typed or pasted character for a new line, by
  // when it handles them: with two agents starting on two busy cores 50 ms was not always enough, 150 was.
  enterDelayMs: 150,
};

export const SHIPPED_PROFILES: Record<string, AgentProfile> = {
  claude,
  codex,
  gemini,
  // The bundled stand-in for Claude Code: the same screens, hooks and exit, a different program.
  fake: {
    ...claude,
    name: 'fake',
    // The fake agent writes nothing of its own but its log (FAKE_AGENT_LOG, named in a profile's sandbox.write).
    sandbox: { allow: [], write: [], hide: [] },
    command: [
      '{node}', '{agentpoolDir}/dist/agents/fake-agent.js',
      '--model', '{model}',
      '--settings', '{settings}',
      '{...sessionArgs}',
    ],
    // The fake agent's first-run dialog is for tests of what happens when nobody answers it.
    answers: [],
    folderTrust: 'none',
    submitVerifyMs: 2_000,
    taskTimeoutMs: 10 * 60_000,
  },
  generic: {
    name: 'generic',
    sandbox: { allow: [], write: [], hide: [] },
    // A placeholder that a config must override with its own command: one that takes the task through
    // {prompt} or {promptFile}, or one with screen.ready and screen.busy patterns to paste it into.
    command: ['sh', '-c', 'echo "set agents.<name>.command for the generic profile" >&2; exit 1'],
    env: {},
    models: sonnetUnlessCritical,
    resumeArgs: [],
    newSessionArgs: [],
    driver: 'screen',
    done: 'exit',
    screen: { ready: [], dialog: [], busy: [], error: [], rateLimit: [] },
    answers: [],
    folderTrust: 'none',
    pasteChunk: null,
    exit: { text: '', keys: ['C-c'], timeoutMs: 2_000 },
    promptTimeoutMs: 30_000,
    submitVerifyMs: 2_000,
    enterDelayMs: 0,
    submitRetries: 2,
    taskTimeoutMs: 2 * 60 * 60_000,
  },
};
