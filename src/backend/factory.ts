import type { DesiredState, TmuxTransport } from '../config/types.js';
import { socketFile } from '../tmux/client.js';
import { ControlTmuxClient } from '../tmux/control-client.js';
import { ExecTmuxClient } from '../tmux/exec-client.js';
import { withDeadline } from './deadline.js';
import type { SessionBackend } from './session-backend.js';
import { TAG_OPTION, TmuxBackend } from './tmux.js';

/** How long one tmux command may take (a stopped or wedged server); a backend call gets a little more. */
export const TMUX_COMMAND_DEADLINE_MS = 10_000;

/**
 * The one way the controller and the CLI get a backend for a config: tmux on its socket, with deadlines.
 * The controller talks through `tmux.transport` (control mode by default; AGENTPOOL_TMUX_TRANSPORT
 * overrides it, for the test lane and for a user who wants exec without editing the config); a one-shot
 * CLI command runs a few commands and spawns them (`exec`).
 */
export function createBackend(d: DesiredState, use: 'controller' | 'one-shot' = 'one-shot'): SessionBackend {
  const transport = use === 'controller' ? transportFor(d) : 'exec';
  const client = transport === 'control'
    ? new ControlTmuxClient(d.tmux, 'tmux', TMUX_COMMAND_DEADLINE_MS, TAG_OPTION.pool)
    : new ExecTmuxClient(d.tmux, 'tmux', TMUX_COMMAND_DEADLINE_MS);
  return withDeadline(new TmuxBackend(client), TMUX_COMMAND_DEADLINE_MS + 5_000);
}

/** The transport the controller uses for `d`. */
export function transportFor(d: DesiredState, env: NodeJS.ProcessEnv = process.env): TmuxTransport {
  const forced = env.AGENTPOOL_TMUX_TRANSPORT;
  return forced === 'exec' || forced === 'control' ? forced : d.tmux.transport;
}

/** The lock file that keeps one controller per backend host (one tmux server), whatever its state folder. */
export function backendLockFile(d: DesiredState): string {
  return `${socketFile(d.tmux)}.agentpool.lock`;
}
