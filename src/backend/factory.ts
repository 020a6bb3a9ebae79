import type { DesiredState } from '../config/types.js';
import { socketFile } from '../tmux/client.js';
import { ExecTmuxClient } from '../tmux/exec-client.js';
import { withDeadline } from './deadline.js';
import type { SessionBackend } from './session-backend.js';
import { TmuxBackend } from './tmux.js';

/** How long one tmux command may take (a stopped or wedged server); a backend call gets a little more. */
export const TMUX_COMMAND_DEADLINE_MS = 10_000;

/** The one way the controller and the CLI get a backend for a config: tmux on its socket, with deadlines. */
export function createBackend(d: DesiredState): SessionBackend {
  return withDeadline(new TmuxBackend(new ExecTmuxClient(d.tmux, 'tmux', TMUX_COMMAND_DEADLINE_MS)), TMUX_COMMAND_DEADLINE_MS + 5_000);
}

/** The lock file that keeps one controller per backend host (one tmux server), whatever its state folder. */
export function backendLockFile(d: DesiredState): string {
  return `${socketFile(d.tmux)}.agentpool.lock`;
}
