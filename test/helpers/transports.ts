/** The two tmux transports, for tests that run the same cases over each against a real private server. */
import type { TmuxSocket } from '../../src/tmux/client.js';
import type { TmuxCommands } from '../../src/tmux/commands.js';
import { ControlTmuxClient } from '../../src/tmux/control-client.js';
import { ExecTmuxClient } from '../../src/tmux/exec-client.js';
import { guardArgs, testTmux, type TestTmux } from './tmux-server.js';

export const TRANSPORTS: Array<[string, (s: TmuxSocket) => TmuxCommands]> = [
  ['exec', (s) => new ExecTmuxClient(s)],
  ['control', (s) => new ControlTmuxClient(s)],
];

/** A new private server for this test, its socket checked by the guard. */
export function guardedServer(): TestTmux {
  const server = testTmux();
  guardArgs(['-L', server.socket]);
  return server;
}
