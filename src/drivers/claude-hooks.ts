import { hookCommand } from '../agents/launch.js';
import { hookDriver, hookTable, type HookWiring } from './hooks.js';

/**
 * Claude Code: its hooks come in the settings file passed with `--settings {settings}`, and so does the
 * switch that stops it from continuing a task by itself once a usage limit resets (agentpool cools the
 * session down and runs the task again). It reports a failed turn too (StopFailure).
 */
export const claudeWiring: HookWiring = {
  kind: 'claude-hooks',
  settings: (command) => ({
    autoContinueAtUsageLimit: false,
    hooks: hookTable(['SessionStart', 'UserPromptSubmit', 'Stop', 'StopFailure', 'Notification'], command),
  }),
  failsOnScreen: false,
};

export const claudeHooksDriver = hookDriver(claudeWiring);

/** The settings file Claude Code gets for hooks that append to `eventsFile`. */
export function hookSettings(eventsFile: string): object {
  return claudeWiring.settings(hookCommand(eventsFile));
}
