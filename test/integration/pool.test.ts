/**
 * The one-shot commands against a real tmux server: `reconcile --dry-run`, `reconcile --once`,
 * `agentpool validate` and `agentpool status`, each run as a child process on a socket of its own.
 * The running controller is covered in pool-live.test.ts (a separate file so the two run in parallel).
 */
import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { REPO_ROOT, createPoolEnv, deepMerge, ensureBuilt, positionOf, type PoolEnv } from '../helpers/pool-env.js';
import { guardArgs, uniqueSocket, waitFor } from '../helpers/tmux-server.js';

const SLOTS = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `ccl-auto-${from + i}`);

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

let env: PoolEnv;
beforeEach(async () => {
  env = await createPoolEnv({ size: 4 });
});
afterEach(async () => {
  await env.cleanup();
});

describe('reconcile --dry-run', () => {
  it('plans one create per slot, in slot order, and changes nothing', async () => {
    const r = await env.reconcile('--dry-run');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      `project/project create queue folders under ${join(env.project, '.agent-queue')}`,
      ...SLOTS(4).map((s) => `session/${s} create`),
    ]);
    // A dry run only looks: no server was started on the socket, no folder was made.
    expect(await env.sessions()).toEqual([]);
    expect(existsSync(join(env.project, '.agent-queue'))).toBe(false);
  });

  it('prints the plan as a JSON array with -o json', async () => {
    const r = await env.reconcile('--dry-run', '-o', 'json');
    expect(r.exitCode).toBe(0);
    const actions = JSON.parse(r.stdout) as unknown[];
    expect(actions).toEqual([{ kind: 'prepare-project', path: env.project }, ...SLOTS(4).map((session, i) => ({ kind: 'create-session', session, slot: i + 1 }))]);
  });

  it('exits 1 with --exit-code when the plan is not empty', async () => {
    const r = await env.reconcile('--dry-run', '--exit-code');
    expect(r.exitCode).toBe(1);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(5);
  });
});

describe('a world that cannot be seen whole is never "in sync"', () => {
  /** PATH with node and the coreutils, but no tmux. */
  const noTmux = async () => {
    const bin = join(env.dir, 'bin-without-tmux');
    await mkdir(bin);
    await symlink(process.execPath, join(bin, 'node'));
    return { PATH: bin };
  };

  it('--dry-run without tmux says it cannot tell and exits 2, with --exit-code too', async () => {
    const path = await noTmux();
    for (const extra of [[], ['--exit-code']]) {
      const r = await env.run('reconcile', ['--config', env.configFile, '--dry-run', ...extra], { env: path });
      expect(r.exitCode, r.all).toBe(2);
      expect(r.stdout).not.toMatch(/in sync/);
      expect(r.stderr).toMatch(/cannot tell what the pool needs; this plan may be missing actions:\n {2}the tmux binary "tmux" was not found: install tmux/);
    }
  });

  it('--once without tmux exits 2 after logging why', async () => {
    const r = await env.run('reconcile', ['--config', env.configFile, '--once', '--log-format', 'json'], { env: await noTmux() });
    expect(r.exitCode, r.all).toBe(2);
    expect(r.all).toMatch(/"level":40.*tmux binary .*was not found: install tmux/);
  });

  it('every command that reads the sessions says tmux is missing and exits 2, never "please report"', async () => {
    const path = await noTmux();
    for (const args of [['status'], ['status', '-o', 'json'], ['logs', 'ccl-auto-1']]) {
      const r = await env.run('agentpool', [...args, '--config', env.configFile], { env: path });
      expect(r.exitCode, `${args.join(' ')}: ${r.all}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/agentpool: the tmux binary "tmux" was not found: install tmux/);
      expect(r.stderr, args.join(' ')).not.toMatch(/please report/);
    }
  });

  it('--once against a tmux server stopped with SIGSTOP exits 2 within its deadline and says what is wrong', async () => {
    await env.tmux.run('new-session', '-d', '-s', 'ux-main', '--', 'sleep', '600');
    const pid = Number((await env.tmux.run('display-message', '-p', '#{pid}')).trim());
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const r = await env.run('reconcile', ['--config', env.configFile, '--once', '--log-format', 'json']);
      const took = Date.now() - started;
      expect(r.exitCode, r.all).toBe(2);
      expect(r.all).toMatch(/"level":40.*list-panes got no answer within 10 s: the tmux server is stopped \(SIGSTOP/);
      // One tmux deadline (10 s) and the process's start and end; never the 90 s hang it was.
      expect(took, r.all).toBeLessThan(60_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect((await env.sessions()).map((s) => s.name)).toEqual(['ux-main']);
  }, 90_000);

  it('--dry-run with a missing project folder prints the plan, names the folder and exits 2', async () => {
    await env.writeConfig({ projects: [{ path: env.project }, { path: join(env.dir, 'gone') }] });
    const r = await env.reconcile('--dry-run');
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stdout.split('\n').filter(Boolean).slice(1)).toEqual(SLOTS(4).map((s) => `session/${s} create`));
    expect(r.stderr).toContain(join(env.dir, 'gone'));
  });

  it('--dry-run warns of a directory named like a task, and the plan still stands: no "cannot tell"', async () => {
    await mkdir(join(env.project, '.agent-queue', 'inbox', 'dir.md'), { recursive: true });
    const r = await env.reconcile('--dry-run', '--exit-code');
    expect(r.exitCode, r.all).toBe(1); // the plan is not empty (the pool is not made yet), and is whole
    expect(r.stderr).toBe(`agentpool: warning: ${join(env.project, '.agent-queue', 'inbox', 'dir.md')} is a directory named like a task; rename it (it is left alone)`);
    expect(r.stdout).toContain('session/ccl-auto-1 create');
  });

  it('a missing agent program keeps the tasks queued with their attempts, says so once, and validate warns', async () => {
    await env.writeConfig({ pool: { agent: 'ghost' }, agents: { ghost: { extends: 'fake', command: ['no-such-agent-cli', '--settings', '{settings}'] } } });
    await mkdir(join(env.project, '.agent-queue', 'inbox'), { recursive: true });
    await writeFile(join(env.project, '.agent-queue', 'inbox', 'wait.md'), 'Wait for the agent\n');
    const dry = await env.reconcile('--dry-run');
    expect(dry.exitCode, dry.all).toBe(2);
    expect(dry.stdout).not.toMatch(/claim|launch/);
    expect(dry.stderr).toMatch(/agent program "no-such-agent-cli" of profile "ghost" not found on PATH \(.+\): install it or set agents\.ghost\.command/);
    const once = await env.reconcile('--once', '--log-format', 'json');
    expect(once.exitCode, once.all).toBe(2);
    expect(once.stdout.match(/not found on PATH/g)).toHaveLength(1);
    expect(existsSync(join(env.project, '.agent-queue', 'inbox', 'wait.md'))).toBe(true);
    const validate = await env.agentpool('validate');
    expect(validate.exitCode).toBe(0);
    expect(validate.stderr).toMatch(/^warning: agent program "no-such-agent-cli"/);
  });

  it('a closed pipe ends `agentpool status` quietly', async () => {
    await env.reconcile('--once');
    const r = await execa('sh', ['-c', `"${process.execPath}" bin/agentpool.js status --config "${env.configFile}" | head -1`], { cwd: REPO_ROOT, reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('reconcile --once', () => {
  it('creates exactly the pool sessions, tagged, after which the plan is empty', async () => {
    const once = await env.reconcile('--once', '--log-format', 'json');
    expect(once.exitCode, once.all).toBe(0);
    expect(await env.sessions()).toEqual(SLOTS(4).map((name) => ({ name, pool: 'ccl-auto-' })));

    const dry = await env.reconcile('--dry-run');
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout.trim()).toBe(`pool ccl-auto-* on tmux -L ${env.socket} is in sync: nothing to do`);

    const json = await env.reconcile('--dry-run', '-o', 'json');
    expect(JSON.parse(json.stdout)).toEqual([]);

    expect((await env.reconcile('--dry-run', '--exit-code')).exitCode).toBe(0);
  });

  it('a second --once on a converged pool changes nothing', async () => {
    await env.reconcile('--once');
    const ids = await env.tmux.run('list-sessions', '-F', '#{session_name}=#{session_id}');
    const again = await env.reconcile('--once', '--log-format', 'json');
    expect(again.exitCode).toBe(0);
    expect(again.stdout).not.toMatch(/created pool session|removed pool session/);
    expect(await env.tmux.run('list-sessions', '-F', '#{session_name}=#{session_id}')).toBe(ids);
  });
});

describe('shrinking with --dry-run and --once', () => {
  it('plans the surplus sessions as deletes, and --once removes exactly those', async () => {
    expect((await env.reconcile('--once')).exitCode).toBe(0);
    await env.writeConfig({ pool: { size: 2 } });

    const dry = await env.reconcile('--dry-run', '--exit-code');
    expect(dry.exitCode, dry.all).toBe(1);
    expect(dry.stdout.split('\n').filter(Boolean)).toEqual([
      'session/ccl-auto-3 delete (the pool is smaller than this slot)',
      'session/ccl-auto-4 delete (the pool is smaller than this slot)',
    ]);
    expect((await env.sessions()).map((s) => s.name)).toEqual(SLOTS(4));

    expect((await env.reconcile('--once')).exitCode).toBe(0);
    expect(await env.sessions()).toEqual(SLOTS(2).map((name) => ({ name, pool: 'ccl-auto-' })));
    expect((await env.reconcile('--dry-run', '--exit-code')).exitCode).toBe(0);
  });
});

describe('agentpool validate', () => {
  it('reports a bad pool.size as broken.yaml:LINE:COL: pool.size: ... and exits non-zero', async () => {
    const text = stringify(deepMerge(env.config, { pool: { size: 'four' } }));
    const file = join(env.dir, 'broken.yaml');
    await writeFile(file, text);
    const { line, col } = positionOf(text, 'four');
    expect(text.split('\n')[line - 1]).toMatch(/^\s+size: four$/);

    const r = await env.run('agentpool', ['validate', '--config', file]);
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toContain(`broken.yaml:${line}:${col}: pool.size: `);
    expect(r.all).toContain(`${file}:${line}:${col}: pool.size: `);
  });

  it('points an unknown key at the key itself', async () => {
    const text = stringify(deepMerge(env.config, { pool: { colour: 'red' } }));
    const file = join(env.dir, 'broken.yaml');
    await writeFile(file, text);
    const { line, col } = positionOf(text, 'colour:');

    const r = await env.run('agentpool', ['validate', '--config', file]);
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toContain(`${file}:${line}:${col}: pool.colour: `);
  });

  it('accepts the example file, and warns that its project folders do not exist here', async () => {
    const r = await env.run('agentpool', ['validate', '--config', join(REPO_ROOT, 'desired-state.example.yaml')]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain('is valid');
    expect(r.stderr).toContain('warning: project folder /home/you/src/webapp does not exist: create it (or fix projects[].path); its tasks cannot run until it does');
  });

  it('accepts the config the tests use', async () => {
    const r = await env.agentpool('validate');
    expect(r.exitCode, r.all).toBe(0);
  });
});

describe('agentpool status', () => {
  it('shows every slot absent before the pool exists, without starting a server', async () => {
    const r = await env.agentpool('status', '-o', 'json');
    expect(r.exitCode, r.all).toBe(0);
    const s = JSON.parse(r.stdout) as { sessions: Array<{ session: string; role: string; state: string }> };
    expect(s.sessions.map((x) => [x.session, x.role, x.state])).toEqual(SLOTS(4).map((n) => [n, 'pool', 'absent']));
    expect(await env.sessions()).toEqual([]);
  });

  it('after --once shows the sessions and their state', async () => {
    expect((await env.reconcile('--once')).exitCode).toBe(0);

    const table = await env.agentpool('status');
    expect(table.exitCode, table.all).toBe(0);
    expect(table.stdout).toContain(`tmux -L ${env.socket}`);
    const rows = table.stdout.split('\n').filter((l) => l.startsWith('ccl-auto-'));
    expect(rows.map((l) => l.split(/\s+/).slice(0, 3))).toEqual(SLOTS(4).map((n) => [n, 'pool', 'idle']));

    const json = await env.agentpool('status', '-o', 'json');
    const s = JSON.parse(json.stdout) as { sessions: Array<{ session: string; role: string; state: string }>; queues: Array<{ path: string; inbox: number }> };
    expect(s.sessions.map((x) => [x.session, x.role, x.state])).toEqual(SLOTS(4).map((n) => [n, 'pool', 'idle']));
    expect(s.queues).toEqual([expect.objectContaining({ path: env.project, inbox: 0, active: 0, done: 0, failed: 0 })]);
  });
});

describe('agentpool status --watch', () => {
  it('redraws in place in a terminal (a tmux pane) and quits on q', async () => {
    await mkdir(join(env.project, '.agent-queue', 'inbox'), { recursive: true });
    const bin = join(REPO_ROOT, 'bin/agentpool.js');
    await env.tmux.run('new-session', '-d', '-s', 'watcher', '-x', '180', '-y', '40', '--', process.execPath, bin, 'status', '--watch', '--config', env.configFile);
    const screen = () => env.tmux.run('capture-pane', '-p', '-t', '=watcher:');
    await waitFor(async () => /q quits/.test(await screen()), { what: 'the first screen' });
    await writeFile(join(env.project, '.agent-queue', 'inbox', 'new.md'), 'A new task\n');
    // The next redraw counts the new task, in the same place: the screen holds one report, not two.
    const redrawn = await waitFor(async () => {
      const s = await screen();
      return /^project\s+1\s+0\s+0\s+1\s+0\s/m.test(s) ? s : undefined;
    }, { what: 'the inbox count redrawn' });
    expect(redrawn.match(/pool ccl-auto-\*/g)).toHaveLength(1);
    await env.tmux.run('send-keys', '-t', '=watcher:', 'q');
    // The last session on the server: with it the server goes too.
    await waitFor(async () => !(await env.sessions()).some((x) => x.name === 'watcher'), { what: 'the watcher gone' });
  });

  it('prints one report after another when its output is not a terminal, and ends on SIGINT', async () => {
    const child = execa(process.execPath, [join(REPO_ROOT, 'bin/agentpool.js'), 'status', '--watch', '--config', env.configFile], { reject: false, cwd: REPO_ROOT });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    await waitFor(async () => (out.match(/pool ccl-auto-\*/g) ?? []).length >= 2, { what: 'two reports' });
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(0);
    expect(out).not.toContain('\x1b[');
  });
});

describe('agentpool tasks', () => {
  it('lists the queue from the task folders, as a table and as JSON, filtered by state and project', async () => {
    const inbox = join(env.project, '.agent-queue', 'inbox');
    await mkdir(inbox, { recursive: true });
    await writeFile(join(inbox, 'fix-login.md'), '---\npriority: critical\n---\nFix the login\n');
    await writeFile(join(inbox, 'docs.md'), 'Write the docs\n');

    const text = await env.agentpool('tasks');
    expect(text.exitCode, text.all).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s+/)).toEqual(['PROJECT', 'STATE', 'TASK', 'PRIORITY', 'AGE', 'ATTEMPTS', 'SESSION', 'TOOK', 'REASON']);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4)).sort()).toEqual([
      ['project', 'inbox', 'docs.md', 'default'],
      ['project', 'inbox', 'fix-login.md', 'critical'],
    ]);

    const json = await env.agentpool('tasks', '--state', 'inbox', '-o', 'json');
    const rows = JSON.parse(json.stdout) as Array<{ name: string; state: string; priority: string; path: string }>;
    expect(rows.map((r) => r.name).sort()).toEqual(['docs.md', 'fix-login.md']);
    expect(rows.find((r) => r.name === 'fix-login.md')).toMatchObject({ state: 'inbox', priority: 'critical', path: join(inbox, 'fix-login.md') });
    expect(JSON.parse((await env.agentpool('tasks', '--state', 'done', '-o', 'json')).stdout)).toEqual([]);

    const nope = await env.agentpool('tasks', '--project', 'nope');
    expect(nope.exitCode).toBe(2);
    expect(nope.stderr).toMatch(/no project "nope" in .*; its projects: project/);
    const badState = await env.agentpool('tasks', '--state', 'running');
    expect([badState.exitCode, badState.stderr]).toEqual([2, expect.stringMatching(/'running' is invalid. Allowed choices are inbox, active, done, failed/)]);
  });
});

describe('the test tmux guard', () => {
  it('refuses a socket that is not a test socket', () => {
    expect(() => guardArgs(['-L', 'default', 'kill-server'])).toThrow(/refusing/);
    expect(() => guardArgs(['kill-server'])).toThrow(/refusing/);
    expect(() => guardArgs(['-S', '/tmp/tmux-0/default', 'kill-server'])).toThrow(/refusing/);
    expect(() => guardArgs(['-L', 'agentpool', 'list-sessions'])).toThrow(/refusing/);
  });

  it('lets a test socket through', () => {
    expect(() => guardArgs(['-L', uniqueSocket(), 'list-sessions'])).not.toThrow();
  });
});
