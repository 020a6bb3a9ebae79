/** The command line itself (commander): help per command, --version, suggestions, completion, validate -o json. */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, REPO_ROOT, type PoolEnv } from '../helpers/pool-env.js';

let env: PoolEnv;
beforeAll(async () => {
  await ensureBuilt();
  env = await createPoolEnv({ size: 1 });
}, 120_000);
afterAll(() => env.cleanup());

const agentpool = (...args: string[]) => execa(process.execPath, [join(REPO_ROOT, 'bin/agentpool.js'), ...args], { reject: false, cwd: REPO_ROOT });
const COMMANDS = ['init', 'add', 'down', 'attach', 'reconcile', 'validate', 'status', 'tasks', 'describe', 'diff', 'worktrees', 'retry', 'cancel', 'cordon', 'uncordon', 'drain', 'doctor', 'demo', 'graph', 'completion'];

describe('the agentpool command line', () => {
  it('prints its version, an overview, and each command\'s own options', async () => {
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect((await agentpool('--version')).stdout).toBe(version);
    const overview = (await agentpool()).stdout;
    for (const c of COMMANDS) expect(overview).toMatch(new RegExp(`\\n  ${c}\\b`));
    const help = await agentpool('status', '--help');
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('-w, --watch');
    expect(help.stdout).toContain('(choices: "text", "json", "wide")');
    expect(help.stdout).not.toContain('--prune');
  });

  it('refuses a mistyped command or option, an option of another command and a bad choice, with a suggestion', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['statuz'], /unknown command 'statuz'\n\(Did you mean status\?\)/],
      [['tasks', '--stat', 'done'], /unknown option '--stat'\n\(Did you mean --state\?\)/],
      [['status', '--prune'], /unknown option '--prune'/],
      [['tasks', '--state', 'finished'], /argument 'finished' is invalid. Allowed choices are inbox, active, done, failed/],
      [['describe', 'session'], /missing required argument 'name'/],
    ];
    for (const [args, said] of cases) {
      const r = await agentpool(...args);
      expect([r.exitCode, r.stderr], args.join(' ')).toEqual([2, expect.stringMatching(said)]);
    }
  });

  it('writes completion scripts for bash, zsh and fish that know every command and option', async () => {
    const bash = (await agentpool('completion', 'bash')).stdout;
    expect((await execa('bash', ['-n'], { input: bash, reject: false })).exitCode).toBe(0);
    // Completing "agentpool tasks --state " in a real bash offers the states.
    const script = `${bash}\nCOMP_WORDS=(agentpool tasks --state ''); COMP_CWORD=3; _agentpool; echo "\${COMPREPLY[@]}"`;
    expect((await execa('bash', ['-c', script])).stdout).toBe('inbox active done failed');
    const words = `${bash}\nCOMP_WORDS=(agentpool c); COMP_CWORD=1; _agentpool; echo "\${COMPREPLY[@]}"`;
    expect((await execa('bash', ['-c', words])).stdout).toBe('costs cancel cordon completion');
    for (const shell of ['zsh', 'fish']) {
      const text = (await agentpool('completion', shell)).stdout;
      for (const c of COMMANDS) expect(text).toContain(c);
      expect(text).toContain('--dry-run'.replace(/^--/, shell === 'fish' ? '-l ' : '--'));
    }
    expect((await agentpool('completion', 'tcsh')).stderr).toMatch(/'tcsh' is invalid.* Allowed choices are bash, zsh, fish/);
  });

  it('completes task names and session names from the pool, with the --config on the line', async () => {
    const bash = (await agentpool('completion', 'bash')).stdout;
    // `agentpool` on PATH, as npm i -g installs it.
    const bin = join(env.dir, 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'agentpool'), `#!/bin/sh\nexec '${process.execPath}' '${join(REPO_ROOT, 'bin/agentpool.js')}' "$@"\n`, { mode: 0o755 });
    await mkdir(join(env.project, '.agent-queue', 'inbox'), { recursive: true });
    await writeFile(join(env.project, '.agent-queue', 'inbox', 'fix-login.md'), 'Fix it.\n');
    await writeFile(join(env.project, '.agent-queue', 'inbox', 'fix-logout.md'), 'Fix that.\n');
    const complete = async (...words: string[]) => {
      const line = `${bash}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _agentpool; echo "\${COMPREPLY[@]}"`;
      return (await execa('bash', ['-c', line], { env: { PATH: `${bin}:${process.env.PATH}` } })).stdout.split(' ').filter(Boolean).sort();
    };
    expect(await complete('agentpool', 'retry', '--config', env.configFile, 'fix-')).toEqual(['fix-login.md', 'fix-logout.md']);
    expect(await complete('agentpool', 'cordon', '--config', env.configFile, 'ccl')).toEqual(['ccl-auto-1']);
    expect(await complete('agentpool', 'add', '--config', env.configFile, '--project', '')).toEqual([basename(env.project)]);
    expect(await complete('agentpool', 'add', '--config', env.configFile, '--after', 'fix-lo')).toEqual(['fix-login.md', 'fix-logout.md']);
    // Without a config it can read, it offers no names and prints no error into the line.
    expect(await complete('agentpool', 'retry', '--config', join(env.dir, 'nope.yaml'), 'fix-')).toEqual([]);
  });

  it('validate -o json gives every error with its line and column, or the pool it read', async () => {
    const ok = JSON.parse((await agentpool('validate', '--config', env.configFile, '-o', 'json')).stdout);
    expect(ok).toMatchObject({ valid: true, pool: { prefix: 'ccl-auto-', size: 1 }, projects: [env.project] });
    const broken = join(env.dir, 'broken.yaml');
    await writeFile(broken, 'tmux: {socket: x}\npool:\n  prefix: w-\n  size: lots\n');
    const r = await agentpool('validate', '--config', broken, '-o', 'json');
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: false, errors: [{ line: 4, col: 9, path: 'pool.size', text: expect.stringContaining('broken.yaml:4:9: pool.size:') }] });
  });

  it('doctor runs no program but the agent CLIs it knows: a generic agent\'s script is looked up, never run', async () => {
    const dir = join(env.dir, 'doctor');
    await mkdir(dir);
    const ran = join(dir, 'ran');
    const script = join(dir, 'my-agent');
    await writeFile(script, `#!/bin/sh\necho "$@" > '${ran}'\n`, { mode: 0o755 });
    const config = join(dir, 'desired-state.yaml');
    await writeFile(config, [
      `tmux: {socket: ${env.socket}}`,
      'pool: {size: 1, agent: mine}',
      'agents:',
      `  mine: {extends: generic, command: ["${script}", "{prompt}"]}`,
      '',
    ].join('\n'));
    const r = await agentpool('doctor', '--config', config);
    expect(r.stdout).toContain(`agent mine`);
    expect(r.stdout).toContain(script);
    expect(existsSync(ran), 'the script ran').toBe(false);
    // The fake agent (Node, under a Claude-shaped profile) is not asked for a Claude Code version either.
    await writeFile(config, [`tmux: {socket: ${env.socket}}`, 'pool: {size: 1, agent: fake}', ''].join('\n'));
    const fake = await agentpool('doctor', '--config', config);
    expect(fake.stdout).not.toMatch(/claude version/);
  });

  it('init in an empty git folder writes a short config that reconcile --once brings up; it never replaces a file', async () => {
    const folder = join(env.dir, 'fresh');
    await mkdir(folder);
    await execa('git', ['init', '-q'], { cwd: folder });
    // Its own HOME: the pool's state folder goes there, not into the real one.
    const here = (...args: string[]) => execa(process.execPath, [join(REPO_ROOT, 'bin/agentpool.js'), ...args], { reject: false, cwd: folder, env: { HOME: join(env.dir, 'home'), AGENTPOOL_CONFIG: '' } });
    const init = await here('init', '--agent', 'fake', '--socket', env.socket);
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/^wrote desired-state\.yaml: 2 fake sessions for .*fresh, each task in its own git worktree\nNext:\n  agentpool doctor /);
    const text = await readFile(join(folder, 'desired-state.yaml'), 'utf8');
    expect(text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'))).toEqual([
      'pool:', '  size: 2', '  agent: fake', 'tmux:', `  socket: ${env.socket}`, 'projects:', `  - path: ${JSON.stringify(folder)}`, '    isolation: worktree   # each task on its own branch, in its own worktree',
    ]);
    const once = await here('reconcile', '--once');
    expect(once.exitCode, once.stderr).toBe(0);
    const sessions = await env.tmux.run('list-sessions', '-F', '#{session_name}');
    expect(sessions.split('\n').filter((n) => n.startsWith('agent-')).sort()).toEqual(['agent-1', 'agent-2']);
    for (const d of ['inbox', 'active', 'done', 'failed']) expect(existsSync(join(folder, '.agent-queue', d)), d).toBe(true);
    const again = await here('init');
    expect([again.exitCode, again.stderr]).toEqual([1, expect.stringContaining('desired-state.yaml exists; edit it, or pass --force to replace it')]);
    expect(await readFile(join(folder, 'desired-state.yaml'), 'utf8')).toBe(text);
  });
});
