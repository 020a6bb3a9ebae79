import { mkdtemp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { Controller } from '../reconciler/controller.js';
import { findExecutable } from '../util/which.js';
import { endings, gitRepo, SAMPLE_TASKS, waitUntilSettled } from './demo.js';
import { createLogger, type LogFormat } from './logger.js';
import type { CliValues } from './main.js';

const HOSTS = 3;

/**
 * `demo --fleet`: the demo's tasks through a fleet on this machine (issue 26). A Redis of its own on a free
 * loopback port (AOF on), the two projects as git repositories whose remotes are bare repositories, a
 * front door watching their inboxes and three hosts, each a controller with its own tmux server, state
 * folder and clones, running two fake agents. Ends when every task is settled, with each task's host and
 * branch; kills only the servers it started.
 */
export async function demoFleetCommand(v: CliValues): Promise<number> {
  const log = createLogger(v['log-format'] as LogFormat | undefined);
  if (!(await findExecutable('redis-server', process.env.PATH ?? ''))) {
    process.stderr.write('agentpool demo --fleet: redis-server is not installed (Debian: apt-get install redis-server; npm run setup does it as root)\n');
    return 1;
  }
  const root = await mkdtemp(join(tmpdir(), 'agentpool-demo-fleet-'));
  const socket = process.env.AGENTPOOL_DEMO_SOCKET || `agentpool-demo-${process.pid}`;
  const redisPort = await freePort();
  await mkdir(join(root, 'redis'));
  const redis: ResultPromise = execa('redis-server', [
    '--port', String(redisPort), '--bind', '127.0.0.1', '--dir', join(root, 'redis'), '--save', '', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction',
  ], { reject: false, stdio: 'ignore' });
  const controllers: Controller[] = [];
  let code = 1;
  try {
    const projects = ['webapp', 'api'];
    for (const p of projects) {
      const path = join(root, p);
      await gitRepo(path);
      await execa('git', ['init', '--quiet', '--bare', join(root, 'remotes', `${p}.git`)]);
      await execa('git', ['remote', 'add', 'origin', join(root, 'remotes', `${p}.git`)], { cwd: path });
      await execa('git', ['push', '--quiet', 'origin', 'HEAD'], { cwd: path });
      await mkdir(join(path, '.agent-queue', 'inbox'), { recursive: true });
    }
    const fleet = (name: string, role: string) => `fleet:\n  redis: redis://127.0.0.1:${redisPort}\n  host: ${name}\n  role: ${role}\n  lock: 30s\n`;
    const door = join(root, 'front-door.yaml');
    await writeFile(door, `# Written by \`agentpool demo --fleet\`: the front door (its inboxes' tasks go to the fleet).
tmux:
  socket: ${socket}-door
pool:
  size: 0
  agent: demo-agent
${AGENT}projects:
${projects.map((p) => `  - path: ${JSON.stringify(join(root, p))}`).join('\n')}
tasks:
  settle: 100ms
controller:
  stateDir: ${JSON.stringify(join(root, 'front-door'))}
${fleet('front-door', 'front-door')}`);
    const hostFiles: string[] = [];
    for (let i = 1; i <= HOSTS; i++) {
      const file = join(root, `host-${i}.yaml`);
      await writeFile(file, `# Written by \`agentpool demo --fleet\`: host ${i} (takes the fleet's tasks into its own pool).
tmux:
  socket: ${socket}-host-${i}
pool:
  prefix: host${i}-
  size: 2
  agent: demo-agent
  cooldown:
    afterTask: 300ms
    afterFailure: 5s
${AGENT}controller:
  stateDir: ${JSON.stringify(join(root, `host-${i}`))}
${fleet(`host-${i}`, 'host')}`);
      hostFiles.push(file);
    }
    for (const [project, name, priority, body] of SAMPLE_TASKS) {
      const inbox = join(root, project, '.agent-queue', 'inbox');
      await writeFile(join(inbox, `.${name}.tmp`), `---\ntitle: ${name.replace(/\.md$/, '')}\npriority: ${priority}\n---\n${body}\n`);
      await rename(join(inbox, `.${name}.tmp`), join(inbox, name));
    }
    log.info({ workspace: root, redis: `redis://127.0.0.1:${redisPort}`, attach: `tmux -L ${socket}-host-1 attach` }, `demo --fleet: ${SAMPLE_TASKS.length} tasks, a front door and ${HOSTS} hosts of 2 fake agents`);
    for (const [role, file] of [['front-door', door], ...hostFiles.map((f, i) => [`host-${i + 1}`, f])] as const) {
      const c = await Controller.create({ configFile: file, log: log.child({ role }) });
      controllers.push(c);
      c.start();
    }
    let stopped = false;
    const interrupted = new Promise<boolean>((resolve) => {
      process.on('SIGINT', () => resolve(true));
      process.on('SIGTERM', () => resolve(true));
    });
    const wasInterrupted = await Promise.race([waitUntilSettled(root, () => stopped).then(() => false), interrupted]);
    stopped = true;
    const ends = await endings(root);
    const done = ends.filter((e) => e === 'done').length;
    const failed = ends.filter((e) => e === 'failed').length;
    const rows = await Promise.all(SAMPLE_TASKS.map(async ([project, name]) => {
      const record = await readFile(join(root, project, '.agent-queue', 'done', `${name}.result.json`), 'utf8').then((t) => JSON.parse(t) as { host?: string; git?: { branch: string } }, () => null);
      return `  ${`${project}/${name}`.padEnd(34)} ${(record?.host ?? '-').padEnd(8)} ${record?.git?.branch ?? '-'}`;
    }));
    process.stdout.write(`\n${wasInterrupted ? 'demo interrupted' : 'demo finished'}: ${done} done, ${failed} failed of ${SAMPLE_TASKS.length}, across ${HOSTS} hosts\n\n` +
      `  ${'task'.padEnd(34)} ${'host'.padEnd(8)} branch on the project's remote\n${rows.join('\n')}\n`);
    code = wasInterrupted || done === SAMPLE_TASKS.length ? 0 : 1;
  } finally {
    for (const c of controllers) {
      await c.stop();
      await c.backend.endHost();
    }
    redis.kill('SIGKILL');
    await redis;
    if (v.keep) process.stdout.write(`\nthe workspace stays: rm -r ${root} when you are done with it\n`);
    else await rm(root, { recursive: true, force: true });
  }
  return code;
}

/** The demo's agent: the fake one, editing and committing the files its task names. */
const AGENT = `agents:
  demo-agent:
    extends: fake
    env:
      FAKE_AGENT_WORK_MS: "1500"
      FAKE_AGENT_EDIT: "1"
      FAKE_AGENT_COMMIT: "1"
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
