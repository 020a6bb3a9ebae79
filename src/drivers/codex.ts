import { hookDriver, type HookWiring } from './hooks.js';

/**
 * Codex CLI (0.171): its hooks are Claude Code's (the same event names and payloads), given on the command
 * line as a config override, `-c {hooks}`, so nothing is written into the user's $CODEX_HOME. They run only
 * with --dangerously-bypass-hook-trust (else Codex asks a person to review them first). Codex has no hook
 * for a failed turn: that is read from the screen (`■ <message>`). It takes no session id up front: the id
 * comes from its SessionStart hook, which fires with the first prompt.
 */
export const codexWiring: HookWiring = {
  kind: 'codex-hooks',
  settings: () => ({}),
  argv: (command) => {
    const entry = `[{hooks=[{type="command",command=${JSON.stringify(command)}}]}]`;
    return `hooks={${['SessionStart', 'UserPromptSubmit', 'Stop'].map((e) => `${e}=${entry}`).join(',')}}`;
  },
  failsOnScreen: true,
};

export const codexDriver = hookDriver(codexWiring);
