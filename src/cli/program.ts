import { readFileSync } from 'node:fs';
import { Argument, Command, Option } from 'commander';
import { completionScript, NAME_KINDS, SHELLS } from './completion.js';
import type { CliValues } from './main.js';
import type { controlCommand } from './controls.js';

type ControlName = Parameters<typeof controlCommand>[0];

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * Every command, its arguments and its own options, with commander: `--help` per command, `--version`,
 * unknown options refused with a suggestion, and the data `agentpool completion` turns into shell
 * completion. Each action loads its command's module (src/cli/<command>.ts) only when it runs (a command
 * pays for what it uses, not for every other command's imports), hands it its values and sets the exit
 * code through `done`.
 */
export function buildProgram(done: (code: number) => void): Command {
  const program = new Command('agentpool')
    .description('keep a pool of coding agents in tmux and feed them tasks')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .addHelpText('after', '\n--config defaults to $AGENTPOOL_CONFIG, else ./desired-state.yaml.\nagentpool COMMAND --help shows the options of one command.');
  const run = (fn: (v: CliValues, ...args: string[]) => Promise<number>) => async (...args: unknown[]) => {
    const cmd = args.at(-1) as Command;
    const positionals = args.slice(0, -2).filter((a): a is string => typeof a === 'string');
    done(await fn(values(cmd.opts()), ...positionals));
  };
  const config = () => new Option('-c, --config <file>', 'the desired-state file');
  const output = (choices = ['text', 'json']) => new Option('-o, --output <format>', 'output format').choices(choices);
  const logFormat = () => new Option('--log-format <format>', 'pretty on a terminal, JSON lines otherwise').choices(['pretty', 'json']);

  program.command('reconcile').description('run the controller until SIGINT/SIGTERM (SIGHUP reloads the config)')
    .addOption(config()).option('--once', 'one pass, then exit').option('--dry-run', 'print the plan and change nothing')
    .addOption(output()).option('--exit-code', 'with --dry-run: exit 1 when the plan is not empty').addOption(logFormat())
    .action(run(async (v) => (await import('./reconcile.js')).reconcileCommand(v)));
  program.command('init').description('write a desired-state.yaml for the current folder: the agent CLI on PATH, git worktrees if it is a repository')
    .addOption(config()).option('--agent <profile>', 'the agent profile (default: the first of claude, codex, gemini on PATH)')
    .option('--size <n>', 'how many agent sessions (default 2)').option('--socket <name>', 'the tmux socket name (default: agentpool, or the first free agentpool-N)')
    .option('--force', 'replace an existing file').action(run(async (v) => (await import('./init.js')).initCommand(v)));
  program.command('down').description('end the pool: stop the controller, ask each agent to exit, end the sessions (and the tmux server when only the pool was on it)')
    .addOption(config()).option('--force', 'kill a controller that does not stop, and end the agents without asking')
    .action(run(async (v) => (await import('./down.js')).downCommand(v)));
  program.command('attach').description("watch an agent's session (read-only): here, or in a new window of your own tmux").argument('<session>')
    .addOption(config()).option('--write', 'let your keys reach the agent').action(run(async (v, session) => (await import('./attach.js')).attachCommand(v, session)));
  program.command('add').description('write a task into a project\'s inbox and print its id').argument('[text]', 'the task; - reads it from stdin')
    .addOption(config()).option('-p, --project <name>', 'the project (needed when the config has more than one)')
    .addOption(new Option('--priority <priority>', 'its priority').choices(['critical', 'high', 'default', 'low'])).option('--title <title>', 'its title (and file name)')
    .option('--after <tasks>', 'tasks that must be done first: a.md,other-project/b.md').option('--not-before <time>', 'not before this time: 22:00, 2026-12-24 07:30')
    .option('--agent <profile>', 'the agent profile to run it').option('--model <model>', 'the model to run it with').option('--timeout <duration>', 'its own task timeout: 30m, 2h')
    .option('--file <file>', 'copy this task file (its front matter too)').option('--name <file>', 'the file name in the inbox (default: from the title)')
    .action(run(async (v, text) => (await import('./add.js')).addCommand(v, text)));
  program.command('validate').description('check the config file').addOption(config()).addOption(output()).action(run(async (v) => (await import('./validate.js')).validateCommand(v)));
  program.command('status').description('each session and the queues, from the running controller')
    .addOption(config()).addOption(output(['text', 'json', 'wide'])).option('-w, --watch', 'redraw every second (q quits)')
    .option('--fleet', 'every host of the fleet and its queues, from Redis').action(run(async (v) => (await import('./status.js')).statusCommand(v)));
  program.command('top').description('a live full-screen view: sessions, queues, transitions, tasks done (q quits)')
    .addOption(config()).action(run(async (v) => {
      // Ink prints only its last frame when CI is set (it reads the variable as it loads). top runs only on
      // a terminal, where a person watches: a shell that has CI set for other reasons still gets a live view.
      if (process.stdout.isTTY) for (const k of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[k];
      return (await import('./top.js')).topCommand(v);
    }));
  program.command('tasks').description('every task with its priority, age, attempts, session, outcome')
    .addOption(config()).option('--project <name>', 'one project').addOption(new Option('--state <state>', 'one state').choices(['inbox', 'active', 'done', 'failed']))
    .addOption(output()).action(run(async (v) => (await import('./tasks.js')).tasksCommand(v)));
  program.command('costs').description('what settled tasks consumed: tokens and money, by project, model, agent, day or task')
    .addOption(config()).addOption(new Option('--by <key>', 'group by').choices(['project', 'model', 'agent', 'day', 'task']).default('project'))
    .option('--since <duration>', 'tasks that ended in the last 24h, 7d, ...').addOption(output()).action(run(async (v) => (await import('./costs.js')).costsCommand(v)));
  program.command('web').description('the dashboard of the pool in a browser: sessions, their screens, tasks, queue, timeline, live')
    .addOption(config()).option('--listen <address>', 'HOST:PORT or PORT (loopback unless HOST says otherwise; then every page needs the login)', '127.0.0.1:7420')
    .option('--allow-input', 'let a logged-in page take control of a pane and type into it (logged; default: controller.webInput)').addOption(logFormat())
    .action(run(async (v) => (await import('./web.js')).webCommand(v)));
  program.command('describe').description('one session or task: state, conditions, transitions, what to do next')
    .argument('<kind>', 'session or task').argument('<name>', 'a session name, or a task file').addOption(config()).addOption(output())
    .action(run(async (v, kind, name) => (await import('./describe.js')).describeCommand(v, kind!, name!)));
  program.command('logs').description("a task's or session's agent output and the controller's transitions about it")
    .argument('<target>', 'a task file name or path, or a session name').addOption(config()).option('-f, --follow', 'keep printing the live pane')
    .action(run(async (v, target) => (await import('./logs.js')).logsCommand(v, target!)));
  program.command('diff').description('what a task changed on its branch (isolation: worktree)').argument('<task>', 'a task file name or path')
    .addOption(config()).action(run(async (v, task) => (await import('./diff.js')).diffCommand(v, task!)));
  program.command('worktrees').description('the task worktrees (active, kept, orphaned)').addOption(config()).addOption(output())
    .option('--prune', 'remove the orphaned ones (never their branches)').action(run(async (v) => (await import('./worktrees.js')).worktreesCommand(v)));
  const controls: Array<[string, string, string]> = [
    ['retry', '<task>', 'a failed task back in the queue (attempts reset, history kept)'],
    ['cancel', '<task>', 'stop a task (its agent too) and move it to failed/'],
    ['cordon', '<session>', 'the session takes no new work after its current task'],
    ['uncordon', '<session>', 'the session takes work again'],
    ['drain', '<session>', 'cordon, then wait until its current task is over'],
  ];
  program.command('resume').description('a parked task (its cap spent) continues in its agent session, with a higher cap').argument('<task>')
    .requiredOption('--budget <money>', 'its new cap, in the price table\'s currency (above what it spent)').addOption(config())
    .action(run(async (v, task) => (await import('./controls.js')).resumeCommand(v, task!)));
  for (const [name, arg, what] of controls) {
    program.command(name).description(what).argument(arg).addOption(config())
      .action(run(async (v, target) => (await import('./controls.js')).controlCommand(name as ControlName, v, target!)));
  }
  program.command('service').description('a systemd user unit that runs the controller: install or uninstall')
    .addArgument(new Argument('<action>').choices(['install', 'uninstall'])).addOption(config())
    .option('--user', 'a user unit (~/.config/systemd/user), the only kind')
    .option('--dry-run', 'print what it would write or remove')
    .action(run(async (v, action) => (await import('./service.js')).serviceCommand(action!, v)));
  program.command('doctor').description('check tmux, the agent CLI and its settings before a run').addOption(config()).addOption(output()).action(run(async (v) => (await import('./doctor.js')).doctorCommand(v)));
  program.command('demo').description('the whole job on a bundled setup').option('--keep', 'keep running until Ctrl-C').option('--fleet', 'a fleet instead: a local Redis, a front door and three hosts').addOption(logFormat()).action(run(async (v) => (await import('./demo.js')).demoCommand(v)));
  program.command('graph').description('the session state machine: a Mermaid diagram, or an SVG image (-o svg > machine.svg)')
    .addOption(output(['mermaid', 'svg'])).action(run(async (v) => {
      const graph = await import('../machines/graph.js');
      process.stdout.write(v.output === 'svg' ? graph.machineSvg() : graph.machineGraph());
      return 0;
    }));
  program.command('__names', { hidden: true }).addArgument(new Argument('<kind>').choices(NAME_KINDS)).addOption(config())
    .action(run(async (v, kind) => (await import('./names.js')).namesCommand(v, kind)));
  program.command('completion').description('a shell completion script: agentpool completion bash >> ~/.bashrc').addArgument(new Argument('<shell>').choices(SHELLS))
    .action(run(async (_v, shell) => {
      process.stdout.write(completionScript(program, shell as (typeof SHELLS)[number]));
      return 0;
    }));
  for (const c of program.commands) c.showSuggestionAfterError(true);
  return program;
}

/** commander's camelCase option values, under the names the command modules read. */
function values(o: Record<string, unknown>): CliValues {
  const { dryRun, exitCode, logFormat, notBefore, allowInput, ...rest } = o;
  return {
    ...rest, 'dry-run': dryRun as boolean | undefined, 'exit-code': exitCode as boolean | undefined, 'log-format': logFormat as string | undefined,
    'not-before': notBefore as string | undefined, 'allow-input': allowInput as boolean | undefined,
  } as CliValues;
}
