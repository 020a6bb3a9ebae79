import type { DesiredState, ProjectSpec } from '../config/types.js';
import { isDirectory } from '../util/fs.js';
import { unknownAgent } from './check.js';
import { locateDeps } from './deps.js';
import { taskFileName, taskText, writeNewTask, type NewTask } from './new-task.js';
import { frontMatterOf, parseTask } from './parse.js';
import { ensureQueueDirs } from './store.js';

/** Why a task was not added, for a person; `code` 2 for what they gave, 1 for the machine's side. */
export class AddRefused extends Error {
  constructor(message: string, readonly code: 1 | 2 = 2) {
    super(message);
  }
}

/**
 * Adds a task to `project`'s inbox, as `agentpool add` and the dashboard's queue page do: what would make
 * it fail on arrival (no text, front matter that does not parse, an agent the config lacks, a name in
 * `after:` that is no task) is refused with the reason; otherwise it is written like a person's `mv`
 * (writeNewTask). Returns the name it got: `name` (or the task's title as a file name), `-2`, `-3` ... when
 * taken.
 */
export async function addTask(d: DesiredState, project: ProjectSpec, task: NewTask, name?: string): Promise<string> {
  // A file name of the inbox's own: no folders, and not a dotfile (the controller leaves those alone).
  if (name !== undefined && !/^[^/\\\0.][^/\\\0]*$/.test(name)) throw new AddRefused(`"${name}" is no task file name: no slashes, and not starting with a dot`);
  if (task.body.trim() === '') throw new AddRefused('the task has no text: give it as an argument, on stdin with -, or with --file');
  const written = taskText(task);
  const parsed = parseTask(new TextEncoder().encode(written));
  if (!parsed.ok) throw new AddRefused(`the task would not run: ${parsed.reason}`);
  const agent = unknownAgent(parsed.task.meta.agent, new Set(Object.keys(d.agents)));
  if (agent) throw new AddRefused(agent);
  for (const [key, dep] of await locateDeps(d, [{ project: project.path, ...(parsed.task.meta.after ? { after: parsed.task.meta.after } : {}) }])) {
    if (dep.at === 'unknown') throw new AddRefused(`after: names ${key}, but ${dep.why}`);
  }
  if (!(await isDirectory(project.path))) throw new AddRefused(`the folder of project ${project.name}, ${project.path}, does not exist: create it (or fix projects[].path)`, 1);
  // The queue folders, as a starting controller makes them: a task may be added before the pool runs.
  await ensureQueueDirs(project.inbox);
  const file = name ? (name.endsWith('.md') ? name : `${name}.md`) : taskFileName(task);
  return writeNewTask(project.inbox, file, written).catch((err: Error) => {
    throw new AddRefused(`cannot write the task into ${project.inbox}: ${err.message}`, 1);
  });
}

/** A task file's text (front matter and body) as a task to add; refused with the reason when it does not parse. */
export function taskOfText(text: string): NewTask {
  const parsed = parseTask(new TextEncoder().encode(text));
  if (!parsed.ok) throw new AddRefused(parsed.reason);
  return { front: frontMatterOf(text), body: parsed.task.body };
}
