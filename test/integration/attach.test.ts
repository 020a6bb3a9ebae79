/**
 * `agentpool attach` from where people run it: a shell inside their own tmux (a new window there, their
 * session left as it was) and a plain shell (this terminal); read-only unless --write.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, REPO_ROOT, type PoolEnv } from '../helpers/pool-env.js';
import { shellEnvIn, testTmux, waitFor, type TestTmux } from '../helpers/tmux-server.js';

let env: PoolEnv | undefined;
let user: TestTmux | undefined;
let dir: string | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await user?.kill();
  await env?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
  env = user = dir = undefined;
});

describe('agentpool attach', () => {
  it('opens a read-only window in the user\'s own tmux, or attaches a plain shell\'s terminal', async () => {
    env = await createPoolEnv({ size: 1 });
    expect((await env.reconcile('--once')).exitCode).toBe(0);
    user = testTmux();
    dir = await mkdtemp(join(tmpdir(), 'agentpool-attach-'));
    const shell = await shellEnvIn(user, 'me', dir);
    const bin = join(REPO_ROOT, 'bin/agentpool.js');
    const attach = (...args: string[]) => execa(process.execPath, [bin, 'attach', ...args, '--config', env!.configFile], { reject: false, cwd: REPO_ROOT, env: shell });

    const missing = await attach('ccl-auto-9');
    expect([missing.exitCode, missing.stderr]).toEqual([1, expect.stringMatching(/no session ccl-auto-9 on tmux -L \S+ \(sessions: ccl-auto-1\)/)]);

    // Inside the user's tmux: a window of theirs shows the pool's session, and their own is as it was.
    const r = await attach('ccl-auto-1');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^opened a window "ccl-auto-1" in your tmux, attached to tmux -L \S+ read-only: close it, or detach with C-b C-b d, to come back$/);
    expect((await user.run('list-windows', '-t', '=me', '-F', '#{window_name}')).split('\n')).toEqual([expect.any(String), 'ccl-auto-1']);
    await waitFor(async () => /idle pool session/.test(await user!.run('capture-pane', '-p', '-t', '=me:ccl-auto-1')), { what: 'the pool session in the user\'s window' });
    expect(await env.tmux.run('list-clients', '-F', '#{client_readonly} #{session_name}')).toBe('1 ccl-auto-1');

    // From a plain shell (a pane whose TMUX is unset): this terminal attaches, read-write when asked.
    await user.run('new-window', '-t', '=me', '-n', 'plain', '--', 'env', '-u', 'TMUX', '-u', 'TMUX_PANE', process.execPath, bin, 'attach', 'ccl-auto-1', '--write', '--config', env.configFile);
    await waitFor(async () => (await env!.tmux.run('list-clients', '-F', '#{client_readonly}')).split('\n').sort().join() === '0,1', { what: 'a second client, read-write' });
    await waitFor(async () => /idle pool session/.test(await user!.run('capture-pane', '-p', '-t', '=me:plain')), { what: 'the pool session in the plain shell\'s terminal' });
  });
});
