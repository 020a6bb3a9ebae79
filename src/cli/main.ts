import { parseArgs } from 'node:util';
import { isTmuxError } from '../tmux/errors.js';
import { ConfigInvalidError } from '../config/load.js';
import { LockHeldError } from '../reconciler/lock.js';
import { reconcileCommand } from './reconcile.js';
import { validateCommand } from './validate.js';
import { statusCommand } from './status.js';
import { tasksCommand } from './tasks.js';
import { demoCommand } from './demo.js';
import { doctorCommand } from './doctor.js';
import { diffCommand } from './diff.js';
import { worktreesCommand } from './worktrees.js';
import { controlCommand } from './controls.js';
import { describeCommand } from './describe.js';
import { machineGraph } from '../machines/graph.js';

const USAGE = `agentpool — keep a pool of coding agents in tmux and feed them tasks

Usage:
  agentpool reconcile [--config FILE] [--once | --dry-run [-o json] [--exit-code]] [--log-format pretty|json]
  agentpool validate  [--config FILE]
  agentpool status    [--config FILE] [-o json] [--watch]
  agentpool tasks     [--config FILE] [--project NAME] [--state inbox|active|done|failed] [-o json]
  agentpool describe  [--config FILE] [-o json] session NAME | task FILE
                                                  one session or task: state, conditions, transitions, next steps
  agentpool diff      [--config FILE] TASK        what a task changed on its branch (isolation: worktree)
  agentpool worktrees [--config FILE] [-o json] [--prune]   task worktrees; --prune removes orphaned ones
  agentpool retry     [--config FILE] TASK        a failed task back in the queue (attempts reset, history kept)
  agentpool cancel    [--config FILE] TASK        stop a task (its agent too) and move it to failed/
  agentpool cordon    [--config FILE] SESSION     the session takes no new work after its current task
  agentpool uncordon  [--config FILE] SESSION     it takes work again
  agentpool drain     [--config FILE] SESSION     cordon, then wait until its current task is over
  agentpool doctor    [--config FILE] [-o json]   check tmux, the agent CLI and its settings before a run
  agentpool demo      [--keep] [--log-format pretty|json]
  agentpool graph     the session state machine as a Mermaid diagram

--config defaults to $AGENTPOOL_CONFIG, else ./desired-state.yaml.
reconcile runs the controller until SIGINT/SIGTERM (SIGHUP reloads the config).
`;

/** Thrown by commands for an expected failure: the message is shown, the process exits with `code`. */
export class UsageError extends Error {
  constructor(message: string, readonly code = 2) {
    super(message);
  }
}

const CONTROLS = ['retry', 'cancel', 'cordon', 'uncordon', 'drain'];

export const OPTIONS = {
  config: { type: 'string', short: 'c' },
  once: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  'exit-code': { type: 'boolean' },
  'log-format': { type: 'string' },
  keep: { type: 'boolean' },
  project: { type: 'string' },
  state: { type: 'string' },
  watch: { type: 'boolean', short: 'w' },
  prune: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type CliValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** The only place that prints for humans on failure and calls process.exit. */
export async function main(argv: string[]): Promise<void> {
  // `agentpool status | head`: the reader went away; stop quietly, as other CLIs do.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  let code = 0;
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    const [command, ...rest] = positionals;
    if (values.help || !command || command === 'help') {
      process.stdout.write(USAGE);
      return;
    }
    // Only the commands about one task or session take an argument.
    const takes = command === 'describe' ? 2 : ['diff', ...CONTROLS].includes(command) ? 1 : 0;
    if (rest.length > takes) throw new UsageError(`unexpected argument: ${rest[takes]}\n\n${USAGE}`);
    if (values['log-format'] && !['pretty', 'json'].includes(values['log-format'])) throw new UsageError('--log-format must be pretty or json');
    if (values.output && !['json', 'text'].includes(values.output)) throw new UsageError('-o must be json or text');
    switch (command) {
      case 'reconcile':
        code = await reconcileCommand(values);
        break;
      case 'validate':
        code = await validateCommand(values);
        break;
      case 'status':
        code = await statusCommand(values);
        break;
      case 'tasks':
        code = await tasksCommand(values);
        break;
      case 'describe':
        code = await describeCommand(values, rest[0], rest[1]);
        break;
      case 'diff':
        code = await diffCommand(values, rest[0]);
        break;
      case 'worktrees':
        code = await worktreesCommand(values);
        break;
      case 'retry':
      case 'cancel':
      case 'cordon':
      case 'uncordon':
      case 'drain':
        code = await controlCommand(command, values, rest[0]);
        break;
      case 'doctor':
        code = await doctorCommand(values);
        break;
      case 'demo':
        code = await demoCommand(values);
        break;
      case 'graph':
        process.stdout.write(machineGraph());
        break;
      default:
        throw new UsageError(`unknown command: ${command}\n\n${USAGE}`);
    }
  } catch (err) {
    code = report(err);
  }
  process.exitCode = code;
  if (code !== 0) setTimeout(() => process.exit(code), 100).unref();
}

function report(err: unknown): number {
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
  if (isTmuxError(err)) {
    process.stderr.write(`agentpool: ${err.message}\n`);
    return 1;
  }
  if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`agentpool: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  process.stderr.write(`agentpool: unexpected error — please report it with the output below.\n${(err as Error).stack ?? String(err)}\n`);
  return 70;
}
