import { CommanderError } from 'commander';
import { isTmuxError } from '../tmux/errors.js';
import { BackendError } from '../backend/session-backend.js';
import { ConfigInvalidError } from '../config/load.js';
import { LockHeldError } from '../reconciler/lock.js';
import { buildProgram } from './program.js';

/** Thrown by commands for an expected failure: the message is shown, the process exits with `code`. */
export class UsageError extends Error {
  constructor(message: string, readonly code = 2) {
    super(message);
  }
}

/** The options of every command, under the names the command modules read (src/cli/program.ts). */
export interface CliValues {
  config?: string;
  once?: boolean;
  'dry-run'?: boolean;
  output?: string;
  'exit-code'?: boolean;
  'log-format'?: string;
  keep?: boolean;
  fleet?: boolean;
  by?: string;
  budget?: string;
  listen?: string;
  'allow-input'?: boolean;
  since?: string;
  project?: string;
  priority?: string;
  title?: string;
  after?: string;
  'not-before'?: string;
  model?: string;
  timeout?: string;
  file?: string;
  name?: string;
  state?: string;
  watch?: boolean;
  prune?: boolean;
  user?: boolean;
  follow?: boolean;
  agent?: string;
  size?: string;
  socket?: string;
  force?: boolean;
  write?: boolean;
}

/** The only place that prints for humans on failure and calls process.exit. */
export async function main(argv: string[]): Promise<void> {
  // `agentpool status | head`: the reader went away; stop quietly, as other CLIs do.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  let code = 0;
  try {
    const program = buildProgram((c) => (code = c)).exitOverride();
    for (const c of program.commands) c.exitOverride();
    // No command: the overview, as `agentpool help` would print it.
    if (argv.length === 0) program.outputHelp();
    else await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    code = report(err);
  }
  process.exitCode = code;
  if (code !== 0) setTimeout(() => process.exit(code), 100).unref();
}

function report(err: unknown): number {
  // commander has printed its message (with a suggestion for a mistyped option or command) already.
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  if (err instanceof ConfigInvalidError) {
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`agentpool: ${err.message}\n`);
    return err.code;
  }
  if (err instanceof LockHeldError) {
    process.stderr.write(`agentpool: ${err.message}\n`);
    return 1;
  }
  // The environment, not a bug: tmux missing, a server that refuses or does not answer.
  if (isTmuxError(err) || err instanceof BackendError) {
    process.stderr.write(`agentpool: ${err.message}\n`);
    return 2;
  }
  process.stderr.write(`agentpool: unexpected error — please report it with the output below.\n${(err as Error).stack ?? String(err)}\n`);
  return 70;
}
