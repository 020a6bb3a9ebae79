import { hookDriver, hookTable, type HookWiring } from './hooks.js';

/**
 * Gemini CLI (0.61): its hooks have Claude Code's shape under other names (BeforeAgent: a prompt taken,
 * AfterAgent: a turn's end). Gemini has no flag for a settings file, so the profile points
 * GEMINI_CLI_SYSTEM_SETTINGS_PATH at {settings}: the system layer, above the user's own settings, which are
 * left as they are. Gemini ignores that file when any folder above it is writable by others (a state
 * directory under /tmp), and says so on screen. A failed turn ends with AfterAgent like any other; the
 * screen says it failed. Its input line shows before it can take a prompt: SessionStart says when it can.
 */
export const geminiWiring: HookWiring = {
  kind: 'gemini-hooks',
  settings: (command) => ({ hooks: hookTable(['SessionStart', 'BeforeAgent', 'AfterAgent'], command) }),
  failsOnScreen: true,
  readyAfterStart: true,
};

export const geminiDriver = hookDriver(geminiWiring);
