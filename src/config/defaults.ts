/**
 * Defaults for keys the YAML may leave out, in their YAML form. The schema repeats them as `default` for
 * editors; test/config/defaults.test.ts keeps the two in step. Computed defaults (a project's inbox and
 * name, controller.stateDir) live in normalize.ts because they depend on other values.
 */
export const DEFAULTS = {
  /** `socket` only when the config names neither a socket nor a socket path. */
  tmux: { socket: 'agentpool', transport: 'control' as 'control' | 'exec' },
  pool: {
    prefix: 'agent-',
    startIndex: 1,
    agent: 'claude',
    prewarm: 2 as number | boolean,
    maxConcurrentPerProject: null as number | null,
    sandbox: 'auto' as 'auto' | 'on' | 'off',
    cooldown: { afterTask: '5s', afterFailure: '5m' },
  },
  tasks: {
    maxAttempts: 3,
    retryBackoff: '30s',
    maxBytes: 1_048_576,
    settle: '500ms',
    instructionSuffix: ' When you are done, summarize what you changed.',
    emptyBodyText: 'The task file was empty: look at the project and report what needs doing.',
    resumeIdDir: null as string | null,
  },
  notify: { on: ['done', 'failed', 'stuck'] as const, timeout: '10s' },
  controller: { resync: '10s' },
  fleet: { name: 'agentpool', role: 'both' as 'front-door' | 'host' | 'both', lock: '10m' },
  /** Relative to a project's path. */
  inbox: '.agent-queue/inbox',
  isolation: 'none',
  worktree: { keep: 'failed', commit: 'off', branches: 'delete-empty' },
} as const;
