/**
 * The sandbox an agent starts in (issue 25), with real bubblewrap, git, tmux and loopback servers: a hostile
 * agent (a shell profile whose task is a script) tries each way out and every one is refused, while a
 * well-behaved task beside it commits in its worktree and reaches the one loopback address it is allowed;
 * agentpool's own git after them runs no hook. And `sandbox: on` where no sandbox can start refuses, `auto`
 * runs without one and says so.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile, chmod, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, type PoolEnv, type RunningController } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';
import type { ResultRecord } from '../../src/tasks/types.js';

beforeAll(() => ensureBuilt(), 120_000);
let env: PoolEnv | undefined;
let controller: RunningController | undefined;
const servers: Server[] = [];
afterEach(async () => {
  if (controller && !controller.exited()) await controller.stop();
  controller = undefined;
  await env?.cleanup();
  env = undefined;
  for (const s of servers.splice(0)) s.close();
});

const git = (cwd: string, ...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd }).then((r) => r.stdout);

/** A loopback server that answers "hello" to whoever connects; its port. */
async function server(): Promise<number> {
  const s = createServer((c) => c.end('hello\n'));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as { port: number }).port;
}

const connect = (port: number) => `node -e "require('net').connect(${port}, '127.0.0.1').on('data', (d) => process.exit(String(d).startsWith('hello') ? 0 : 1)).on('error', () => process.exit(1))"`;

/** A task for the shell profile: a script whose first line is a comment (the line the task's name goes on). */
const script = (lines: string[]) => ['# a script', ...lines, ''].join('\n');

async function record(project: string, dir: string, name: string): Promise<ResultRecord> {
  return JSON.parse(await readFile(join(project, '.agent-queue', dir, `${name}.result.json`), 'utf8')) as ResultRecord;
}

describe('the sandbox (bubblewrap)', () => {
  it('refuses a hostile agent every way out, while a well-behaved task commits in its worktree and reaches its allowed address', async () => {
    env = await createPoolEnv({ size: 2, resync: '1s' });
    const project = join(env.dir, 'webapp');
    const other = join(env.dir, 'billing');
    const home = join(env.dir, 'home');
    await mkdir(project);
    await git(project, 'init', '--quiet', '--initial-branch=main');
    await writeFile(join(project, '.gitignore'), '.agent-queue/\n');
    await writeFile(join(project, 'app.txt'), 'base\n');
    await git(project, 'add', '.');
    await git(project, 'commit', '--quiet', '-m', 'base');
    // A hook planted in the repository (as an agent without a sandbox could have): agentpool's git must not run it.
    const planted = join(env.dir, 'hook-ran');
    await writeFile(join(project, '.git', 'hooks', 'post-commit'), `#!/bin/sh\ntouch '${planted}'\n`);
    await chmod(join(project, '.git', 'hooks', 'post-commit'), 0o755);
    await mkdir(other);
    await writeFile(join(other, 'secret.txt'), 'billing secret\n');
    await mkdir(join(home, '.ssh'), { recursive: true });
    await writeFile(join(home, '.ssh', 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
    await writeFile(join(home, '.bashrc'), '# bashrc\n');
    await symlink(join(home, '.ssh'), join(home, '.ssh-link'));
    // Keys kept elsewhere, with ~/.aws a symlink to them: hidden where the link leads.
    await mkdir(join(home, 'vault'));
    await writeFile(join(home, 'vault', 'credentials'), '[default]\naws_secret_access_key = x\n');
    await symlink(join(home, 'vault'), join(home, '.aws'));
    const allowed = await server();
    const forbidden = await server();
    await env.writeConfig({
      pool: { agent: 'shell', sandbox: 'on', prewarm: false, cooldown: { afterTask: '0ms', afterFailure: '0ms' } },
      projects: [
        { path: project, isolation: 'worktree', worktree: { keep: 'always', commit: 'auto' }, sandbox: { allow: [`127.0.0.1:${allowed}`] } },
        { path: other },
      ],
      agents: {
        shell: {
          extends: 'generic',
          // The task is a script: run it, its output in results.txt where the agent works.
          command: ['/bin/sh', '-c', 'tail -n +2 "$1" | /bin/sh > results.txt 2>&1', 'agent', '{promptFile}'],
          env: { HOME: home },
          taskTimeout: '60s',
        },
      },
      tasks: { settle: '0ms', instructionSuffix: '', maxAttempts: 1 },
    });
    controller = env.startController();
    const started = await controller.waitForLine((l) => l.msg === 'controller started', 'the start');
    const state = join(env.dir, 'state');
    const attempt = (name: string, ...command: string[]) => `if ( ${command.join(' ')} ) >/dev/null 2>&1; then echo "${name}: ALLOWED"; else echo "${name}: refused"; fi`;
    const ways = [
      attempt('read a key in HOME/.ssh', `cat '${home}/.ssh/id_ed25519'`),
      attempt('read it through a symlink', `cat '${home}/.ssh-link/id_ed25519'`),
      attempt('read ~/.aws, a symlink to keys elsewhere', `cat '${home}/.aws/credentials'`),
      attempt('write the main working tree', `echo x > '${project}/planted.txt'`),
      attempt('read another project', `cat '${other}/secret.txt'`),
      attempt('write another project', `echo x > '${other}/planted.txt'`),
      attempt('write HOME/.bashrc', `echo x >> '${home}/.bashrc'`),
      attempt('list the pool sessions', `tmux -L ${env.socket} list-sessions`),
      attempt('type into another session', `tmux -L ${env.socket} send-keys -t ccl-auto-2 'echo pwned' Enter`),
      attempt('write a request', `echo '{"kind":"cancel"}' > '${state}/requests/evil.json'`),
      attempt("write another slot's events", `echo '{"hook_event_name":"Stop"}' >> '${state}/sessions/ccl-auto-2/events.jsonl'`),
      attempt('connect to a loopback port not allowed', connect(forbidden)),
      attempt('signal the controller', `kill -0 ${started.pid as number}`),
      attempt('write a git hook', `echo 'touch /tmp/x' > "$(git rev-parse --git-common-dir)/hooks/pre-commit"`),
      attempt('set core.hooksPath', 'git config core.hooksPath /tmp'),
      attempt('move main', 'git update-ref refs/heads/main HEAD'),
      attempt('plant a package in the npm cache in HOME', `mkdir -p '${home}/.npm/_npx/planted'`),
      // Its own session's relay folder: the sockets are made outside, and agentpool writes beside them.
      attempt('plant a symlink among its relay sockets', `for d in '${state}'/sessions/*/net; do [ -d "$d" ] && ln -s '${home}/.bashrc' "$d/planted"; done`),
      attempt('write its sandbox log', `for f in '${state}'/sessions/*/denied.log; do [ -f "$f" ] && echo x >> "$f"; done`),
    ];
    await dropTask(project, 'hostile.md', script(ways));
    await dropTask(project, 'good.md', script([
      'echo change > change.txt && git add change.txt && git -c user.name=a -c user.email=a@b commit -q -m change && echo "commit: ok"',
      `${connect(allowed)} && echo "allowed address: ok"`,
      // Its package managers' caches are its attempt's own (HOME is read-only to it).
      `case "$npm_config_cache" in '${state}/sessions/'*/cache/npm) mkdir -p "$npm_config_cache/_cacache" && echo "npm cache: ok";; esac`,
      // What the hostile task could not write is there to read (its refusals are not for want of a target).
      `ls -d '${state}'/sessions/*/net >/dev/null && cat '${state}'/sessions/*/denied.log >/dev/null && echo "its relay folder and sandbox log: readable"`,
      'echo left > uncommitted.txt',
    ]));
    await waitFor(() => existsSync(join(project, '.agent-queue', 'done', 'hostile.md')) && existsSync(join(project, '.agent-queue', 'done', 'good.md')), {
      timeoutMs: 60_000, what: 'both tasks done',
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${controller!.lines.slice(-30).map((l) => JSON.stringify(l)).join('\n')}`);
    });

    const hostile = await record(project, 'done', 'hostile.md');
    expect(hostile.sandboxed).toBe(true);
    const said = (await readFile(join(hostile.git!.worktree, 'results.txt'), 'utf8')).trim().split('\n');
    for (const way of ways.map((w) => /echo "([^:]+):/.exec(w)![1]!)) expect(said, `${way}\n${said.join('\n')}`).toContain(`${way}: refused`);
    expect(said).toHaveLength(ways.length);
    // Nothing of it reached the world outside.
    expect(existsSync(join(project, 'planted.txt')) || existsSync(join(other, 'planted.txt'))).toBe(false);
    expect(await readFile(join(home, '.bashrc'), 'utf8')).toBe('# bashrc\n');
    expect(existsSync(join(state, 'requests', 'evil.json'))).toBe(false);
    expect(await git(project, 'config', '--get', 'core.hooksPath').catch(() => '')).toBe('');
    expect(await git(project, 'rev-parse', 'main')).toBe(await git(project, 'rev-parse', 'HEAD'));
    expect(controller.exited()).toBeNull();

    const good = await record(project, 'done', 'good.md');
    expect(good.sandboxed).toBe(true);
    expect((await readFile(join(good.git!.worktree, 'results.txt'), 'utf8')).trim().split('\n')).toEqual(['commit: ok', 'allowed address: ok', 'npm cache: ok', 'its relay folder and sandbox log: readable']);
    // Its own commit, then agentpool's commit of what it left: agentpool's git ran no planted hook.
    expect(good.git!.commits.map((c) => c.subject)).toEqual(['change', expect.any(String)]);
    expect(good.git!.autoCommit).not.toBeNull();
    expect(existsSync(planted)).toBe(false);
    expect(await env.tmux.run('capture-pane', '-p', '-t', 'ccl-auto-2')).not.toContain('pwned');
  }, 90_000);

  it('where no sandbox can start: sandbox: on keeps the task waiting and says why; auto runs it without one, and says so', async () => {
    env = await createPoolEnv({ size: 1, resync: '1s' });
    // bubblewrap as a container without user namespaces has it: it refuses every sandbox.
    const bin = join(env.dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'bwrap'), '#!/bin/sh\necho "bwrap: No permissions to create a new namespace" >&2\nexit 1\n', { mode: 0o755 });
    await env.writeConfig({
      pool: { agent: 'quick', sandbox: 'on', prewarm: false, cooldown: { afterTask: '0ms' } },
      agents: { quick: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: '100' } } },
      tasks: { settle: '0ms' },
    });
    await dropTask(env.project, 'a.md', 'A task.\n');
    const status = async () => JSON.parse(await readFile(join(env!.dir, 'state', 'status.json'), 'utf8').catch(() => '{}')) as { writtenAt?: number; problems?: string[] };
    const said = /^no sandbox can start here: bubblewrap cannot start a sandbox here: bwrap: No permissions to create a new namespace/;
    controller = env.startController([], { env: { PATH: `${bin}:${process.env.PATH}` } });
    const since = Date.now();
    await waitFor(async () => {
      const s = await status();
      return (s.writtenAt ?? 0) > since + 1_500 && !!s.problems?.some((p) => said.test(p));
    }, { timeoutMs: 20_000, what: 'the status naming the sandbox problem, passes later' });
    expect(existsSync(join(env.project, '.agent-queue', 'inbox', 'a.md')), 'the task waits in the inbox').toBe(true);
    expect(controller.lines.filter((l) => l.msg === 'claimed task')).toEqual([]);
    const dry = await env.run('reconcile', ['--config', env.configFile, '--dry-run'], { env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(dry.stdout).not.toMatch(/claim/);
    expect(dry.stdout).toContain('task/project/a.md waits (sandbox: on, and no sandbox can start here)');
    expect(dry.stderr).toMatch(/agentpool: warning: no sandbox can start here: bubblewrap cannot start a sandbox here/);

    await env.writeConfig({ pool: { sandbox: 'auto' } });
    await waitFor(() => existsSync(join(env!.project, '.agent-queue', 'done', 'a.md')), { timeoutMs: 20_000, what: 'a.md done without a sandbox' });
    expect((await record(env.project, 'done', 'a.md')).sandboxed).toBe(false);
    expect((await status()).problems?.some((p) => said.test(p))).toBe(true);
  }, 60_000);

  // An address of this machine that is not loopback stands in for a remote API host.
  const remote = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  it.skipIf(!remote)('lets an agent reach an allowed remote host only through its proxy (HTTPS_PROXY), and logs what it refused with the attempt', async () => {
    env = await createPoolEnv({ size: 1, resync: '1s' });
    const http = async () => {
      const s = createHttpServer((_req, res) => res.end('hello\n'));
      await new Promise<void>((r) => s.listen(0, '0.0.0.0', () => r()));
      servers.push(s as unknown as Server);
      return (s.address() as { port: number }).port;
    };
    const [allowed, other] = [await http(), await http()];
    await env.writeConfig({
      pool: { agent: 'shell', sandbox: { mode: 'on', allow: [`${remote}:${allowed}`] }, prewarm: false, cooldown: { afterTask: '0ms' } },
      agents: { shell: { extends: 'generic', command: ['/bin/sh', '-c', 'tail -n +2 "$1" | /bin/sh > results.txt 2>&1', 'agent', '{promptFile}'] } },
      tasks: { settle: '0ms', instructionSuffix: '', maxAttempts: 1 },
    });
    const get = (o: string, url: string) => `curl -sf --max-time 5 ${o} ${url} >/dev/null`;
    await dropTask(env.project, 'net.md', script([
      `${get('', `http://${remote}:${allowed}/`)} && echo "through the proxy: ok" || echo "through the proxy: failed"`,
      `${get('-p', `http://${remote}:${allowed}/`)} && echo "through a CONNECT tunnel: ok" || echo "through a CONNECT tunnel: failed"`,
      `${get('', `http://${remote}:${other}/`)} && echo "a host not allowed: ALLOWED" || echo "a host not allowed: refused"`,
      `${get("--noproxy '*'", `http://${remote}:${allowed}/`)} && echo "around the proxy: ALLOWED" || echo "around the proxy: refused"`,
    ]));
    controller = env.startController();
    await waitFor(() => existsSync(join(env!.project, '.agent-queue', 'done', 'net.md')), { timeoutMs: 30_000, what: 'net.md done' });
    expect((await readFile(join(env.project, 'results.txt'), 'utf8')).trim().split('\n')).toEqual([
      'through the proxy: ok', 'through a CONNECT tunnel: ok', 'a host not allowed: refused', 'around the proxy: refused',
    ]);
    const r = await record(env.project, 'done', 'net.md');
    expect(r.sandboxed).toBe(true);
    const log = await readFile(r.history.at(-1)!.log!, 'utf8');
    expect(log).toMatch(new RegExp(`==> what the sandbox refused:\\n.* refused a connection to ${remote!.replace(/\./g, '\\.')}:${other}: not in sandbox.allow`));
  }, 60_000);
});
