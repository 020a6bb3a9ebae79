import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { listTasks } from '../tasks/list.js';
import { projectSpec } from '../config/normalize.js';
import { Controller } from '../reconciler/controller.js';
import { loadDesired } from '../config/load.js';
import { costsText } from './costs.js';
import { createLogger, type LogFormat } from './logger.js';
import type { CliValues } from './main.js';

/** webapp is a git repository with isolation: worktree; its tasks name the files the fake agent edits and commits. */
export const SAMPLE_TASKS: Array<[project: string, name: string, priority: string, body: string]> = [
  ['webapp', 'fix-login-redirect.md', 'critical', 'Users land on /404 after logging in from the pricing page. Find why and fix it.\nfile: src/login.ts\nfile: src/routes.ts'],
  ['webapp', 'dark-mode-toggle.md', 'low', 'Add a dark-mode toggle to the settings page.\nfile: src/settings.ts'],
  ['webapp', 'flaky-checkout-test.md', 'high', 'The checkout e2e test fails one run in ten. Make it deterministic.\nfile: test/checkout.test.ts'],
  ['webapp', 'bump-deps.md', 'default', 'Update the minor versions of the front-end dependencies and run the tests.\nfile: package.json'],
  ['webapp', 'a11y-labels.md', 'default', 'Give every form field on the signup page a label.\nfile: src/signup.ts'],
  ['webapp', 'readme-typos.md', 'low', 'Fix the typos in README.md.\nfile: README.md'],
  ['api', 'rate-limit-headers.md', 'high', 'Return X-RateLimit-* headers from every endpoint.'],
  ['api', 'n-plus-one-orders.md', 'critical', 'GET /orders does one query per line item. Batch it.'],
  ['api', 'openapi-examples.md', 'default', 'Add request and response examples to the OpenAPI spec.'],
  ['api', 'healthcheck.md', 'default', 'Add GET /healthz that checks the database connection.'],
  ['api', 'log-format.md', 'low', 'Log JSON lines instead of plain text in production.'],
  ['api', 'pagination-cursor.md', 'high', 'Switch /customers from offset to cursor pagination.\n\nKeep the old parameters working for one release.'],
];

/**
 * The whole job on a bundled setup: a temporary workspace with two projects (webapp a git repository whose
 * tasks each get a worktree and a branch), a pool of 3 fake agents on a private tmux server, a dozen tasks
 * of mixed priorities. Ends when every task is done (or on Ctrl-C with --keep) and says where the results
 * are, with each webapp task's branch and diffstat. Kills only the tmux server it started.
 */
export async function demoCommand(v: CliValues): Promise<number> {
  if (v.fleet) return (await import('./demo-fleet.js')).demoFleetCommand(v);
  const log = createLogger(v['log-format'] as LogFormat | undefined);
  const root = await mkdtemp(join(tmpdir(), 'agentpool-demo-'));
  // Tests name the socket so that their guarded helpers can clean it up.
  const socket = process.env.AGENTPOOL_DEMO_SOCKET || `agentpool-demo-${process.pid}`;
  const projects = ['webapp', 'api'].map((p) => join(root, p));
  for (const p of projects) await mkdir(join(p, '.agent-queue', 'inbox'), { recursive: true });
  await gitRepo(projects[0]!);
  const configFile = join(root, 'desired-state.yaml');
  // The prompts the agents received, and their transcripts (Claude's format, with each turn's usage):
  // made now so their sandbox may write them.
  await writeFile(join(root, 'fake-agent.log'), '');
  await mkdir(join(root, 'transcripts'));
  await writeFile(configFile, demoConfig(root, socket, projects));
  for (const [project, name, priority, body] of SAMPLE_TASKS) {
    const inbox = join(root, project, '.agent-queue', 'inbox');
    // The safe way to submit: write under a name agentpool ignores, then rename into place.
    await writeFile(join(inbox, `.${name}.tmp`), `---\ntitle: ${name.replace(/\.md$/, '')}\npriority: ${priority}\n---\n${body}\n`);
    await rename(join(inbox, `.${name}.tmp`), join(inbox, name));
  }
  log.info({ workspace: root, config: configFile, attach: `tmux -L ${socket} attach -t demo-1` }, `demo: ${SAMPLE_TASKS.length} tasks, pool of 3 fake agents`);

  const c = await Controller.create({ configFile, log });
  c.start();
  let interrupted = false;
  let settled = false;
  let stopped = false;
  const allDone = waitUntilSettled(root, () => stopped).then(() => {
    settled = true;
  });
  const stopOn = new Promise<void>((resolve) => {
    const onSignal = () => {
      interrupted = !settled;
      resolve();
    };
    // process.on, not once: see reconcile.ts.
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  if (!v.keep) {
    await Promise.race([stopOn, allDone]);
  } else {
    void allDone.then(() =>
      log.info({ attach: `tmux -L ${socket} attach -t demo-1` }, `demo: all ${SAMPLE_TASKS.length} tasks are finished; the pool keeps running until Ctrl-C`),
    );
    await stopOn;
  }
  stopped = true;
  await c.stop();
  // The demo's own server (its own socket): ended with the demo.
  await c.backend.endHost();
  const ends = await endings(root);
  const done = ends.filter((e) => e === 'done').length;
  const failed = ends.filter((e) => e === 'failed').length;
  const branches = await branchLines(projects[0]!);
  // What the tasks cost, as `agentpool costs --by project` prints it.
  const costs = await costsText(await loadDesired(configFile), 'project', 0, false).catch((err: Error) => `(costs: ${err.message})\n`);
  const summary = `\n${interrupted ? 'demo interrupted' : 'demo finished'}: ${done} done, ${failed} failed of ${SAMPLE_TASKS.length}\n\nwhat they cost (agentpool costs --by project):\n${costs}`;
  if (v.keep) {
    process.stdout.write(
      summary + projects.map((p) => `  ${p}/.agent-queue/done/  (each task with its .result.json)\n`).join('') +
        `  prompts the fake agents received: ${join(root, 'fake-agent.log')}\n  config: ${configFile}\n` +
        (branches.length ? `\nwebapp's tasks, each on its own branch (review one with: agentpool diff --config ${configFile} TASK):\n${branches.join('\n')}\n` : '') +
        `\nthe workspace stays: rm -r ${root} when you are done with it\n`,
    );
  } else {
    // The workspace goes with the demo: what it did is printed here (npm run demo -- --keep keeps both).
    await rm(root, { recursive: true, force: true });
    process.stdout.write(
      summary + (branches.length ? `\nwebapp's tasks, each on its own branch:\n${branches.join('\n')}\n` : '') +
        `\nthe demo's workspace is removed; npm run demo -- --keep keeps the pool running and the files to look at\n`,
    );
  }
  return interrupted || done === SAMPLE_TASKS.length ? 0 : 1;
}

/** How each sample task ended, once each: done, failed, or null while it has not. */
export async function endings(root: string): Promise<Array<'done' | 'failed' | null>> {
  const at = (project: string, dir: string, name: string) => existsSync(join(root, project, '.agent-queue', dir, name));
  return SAMPLE_TASKS.map(([project, name]) => (at(project, 'done', name) ? 'done' : at(project, 'failed', name) ? 'failed' : null));
}

function demoConfig(root: string, socket: string, projects: string[]): string {
  return `# Written by \`agentpool demo\`.
tmux:
  socket: ${socket}
pool:
  prefix: demo-
  size: 3
  agent: demo-agent
  cooldown:
    afterTask: 300ms
    afterFailure: 5s
  # Each agent in its sandbox (auto: where one starts), writing its prompts to the demo's log too.
  sandbox:
    mode: auto
    write: [${JSON.stringify(join(root, 'fake-agent.log'))}, ${JSON.stringify(join(root, 'transcripts'))}]
agents:
  demo-agent:
    extends: fake
    env:
      FAKE_AGENT_WORK_MS: "1500"
      FAKE_AGENT_LOG: ${JSON.stringify(join(root, 'fake-agent.log'))}
      # Each turn in a transcript of Claude's format with known usage: what agentpool costs counts.
      FAKE_AGENT_TRANSCRIPTS: ${JSON.stringify(join(root, 'transcripts'))}
      # The fake agent appends a line to each file a task names on a "file:" line, and commits it.
      FAKE_AGENT_EDIT: "1"
      FAKE_AGENT_COMMIT: "1"
projects:
  - path: ${JSON.stringify(projects[0])}
    # Each task in a git worktree of its own, on a branch agentpool/<task>.
    isolation: worktree
${projects.slice(1).map((p) => `  - path: ${JSON.stringify(p)}`).join('\n')}
tasks:
  settle: 100ms
controller:
  resync: 2s
  stateDir: ${JSON.stringify(join(root, 'state'))}
`;
}

export async function waitUntilSettled(root: string, stopped: () => boolean): Promise<void> {
  while (!stopped()) {
    if ((await endings(root)).every((e) => e !== null)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A small repository with one commit, as the webapp project. */
export async function gitRepo(path: string): Promise<void> {
  for (const f of ['README.md', 'package.json', 'src/login.ts', 'src/routes.ts', 'src/settings.ts', 'src/signup.ts', 'test/checkout.test.ts']) {
    await mkdir(dirname(join(path, f)), { recursive: true });
    await writeFile(join(path, f), `// ${f}\n`);
  }
  await writeFile(join(path, '.gitignore'), '.agent-queue/\n');
  const git = (...args: string[]) => execa('git', ['-c', 'user.name=agentpool demo', '-c', 'user.email=demo@localhost', '-c', 'commit.gpgsign=false', ...args], { cwd: path, stdin: 'ignore' });
  await git('init', '--quiet');
  await git('add', '--all');
  await git('commit', '--quiet', '-m', 'The demo project');
}

/** `  agentpool/<task>  2 files, +2 -0  done: <task>.md` for each finished task of the project. */
async function branchLines(project: string): Promise<string[]> {
  const rows = await listTasks([projectSpec(project)], ['done', 'failed']);
  return rows.filter((r) => r.branch).map((r) => `  ${r.branch!.padEnd(32)} ${(r.changes ?? '').padEnd(16)} ${r.state}: ${r.name}`);
}

