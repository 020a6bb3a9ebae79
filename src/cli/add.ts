import { readFile } from 'node:fs/promises';
import { defaultConfigPath, loadDesired } from '../config/load.js';
import { PRIORITIES, type DesiredState, type ProjectSpec } from '../config/types.js';
import { addTask, AddRefused, taskOfText } from '../tasks/add-task.js';
import { isoAt, notBeforeProblem, resolveNotBefore } from '../tasks/schedule.js';
import type { NewTask } from '../tasks/new-task.js';
import { UsageError, type CliValues } from './main.js';

/**
 * `agentpool add "fix the flaky checkout test" --project webapp [--priority high] [--after a.md,b.md]
 * [--not-before 22:00] ...`: writes a task file into the project's inbox (src/tasks/new-task.ts) and prints
 * its id, `<project>/<file>`. The text is the argument, stdin for `-`, or a file (`--file task.md`, whose
 * own front matter the flags add to). What would make the task fail on arrival (a name in --after that is
 * no task, an agent the config lacks, a bad time) is refused here, with the reason.
 */
export async function addCommand(v: CliValues, text: string | undefined): Promise<number> {
  const d = await loadDesired(v.config ?? defaultConfigPath());
  const project = projectFor(d, v.project);
  const task = await taskFrom(v, text);
  const now = Date.now();
  const flags: Record<string, unknown> = {
    title: v.title,
    priority: v.priority,
    after: v.after?.split(',').map((s) => s.trim()).filter(Boolean),
    not_before: v['not-before'] === undefined ? undefined : absolute(v['not-before'], now, d.tasks.timeZone),
    agent: v.agent,
    model: v.model,
    timeout: v.timeout,
  };
  for (const [k, value] of Object.entries(flags)) if (value !== undefined) task.front[k] = value;
  const name = await addTask(d, project, task, v.name).catch((err: Error) => {
    throw err instanceof AddRefused ? new UsageError(err.message, err.code) : err;
  });
  process.stdout.write(`${project.name}/${name}\n`);
  return 0;
}

/** The project named by --project; the only one when the config has one. */
function projectFor(d: DesiredState, name: string | undefined): ProjectSpec {
  const list = d.projects.map((p) => p.name).join(', ') || '(none)';
  if (name === undefined) {
    if (d.projects.length === 1) return d.projects[0]!;
    throw new UsageError(`--project is needed: ${d.file} has the projects ${list}`);
  }
  const p = d.projects.find((q) => q.name === name || q.path === name);
  if (!p) throw new UsageError(`no project "${name}" in ${d.file}; its projects: ${list}`);
  return p;
}

/** The text and front matter given: a file (its front matter kept), stdin for `-`, or the argument. */
async function taskFrom(v: CliValues, text: string | undefined): Promise<NewTask> {
  if (v.file !== undefined && text !== undefined) throw new UsageError('give the task as an argument or with --file, not both');
  if (v.priority !== undefined && !(PRIORITIES as readonly string[]).includes(v.priority)) {
    throw new UsageError(`--priority must be one of ${PRIORITIES.join(', ')}, got "${v.priority}"`);
  }
  const raw = v.file !== undefined
    ? await readFile(v.file, 'utf8').catch((err: Error) => { throw new UsageError(`cannot read ${v.file}: ${err.message}`); })
    : text === '-' ? await readStdin() : text ?? '';
  if (v.file === undefined) return { front: {}, body: raw };
  try {
    return taskOfText(raw);
  } catch (err) {
    throw new UsageError(`${v.file}: ${(err as Error).message}`);
  }
}

/** `--not-before 22:00` as the moment it means now, with its offset: the file says when, whenever it is read. */
function absolute(raw: string, now: number, timeZone: string): string {
  const problem = notBeforeProblem(raw);
  if (problem) throw new UsageError(`--not-before: ${problem.replace(/^not_before /, '')}`);
  return isoAt(resolveNotBefore(raw, now, timeZone), timeZone);
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('"-" reads the task from stdin: pipe it in (echo "..." | agentpool add - --project p)');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
