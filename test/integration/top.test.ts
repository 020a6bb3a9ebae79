/** agentpool top in a real terminal (a tmux pane) beside a running controller: it draws, redraws, and quits on q. */
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, quickPoolEnv, REPO_ROOT, type PoolEnv } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

let env: PoolEnv | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

describe('agentpool top', () => {
  it('shows the sessions, queues, transitions and tasks done in an 80×24 pane, redraws as the pool works, and gives the screen back on q', async () => {
    env = await quickPoolEnv(2, 300);
    const c = env.startController();
    await c.waitForLine((l) => l.msg === 'controller started', 'start');
    const bin = join(REPO_ROOT, 'bin/agentpool.js');
    // On the test's own server, beside the pool (the viewer session is not a pool name, so it is left alone),
    // from a shell that printed something before and prints something after, as a person's would.
    const shell = `echo before top; '${process.execPath}' '${bin}' top --config '${env.configFile}'; echo after top; exec sleep 600`;
    await env.tmux.run('new-session', '-d', '-s', 'viewer', '-x', '80', '-y', '24', '--', 'sh', '-c', shell);
    const screen = () => env!.tmux.run('capture-pane', '-p', '-t', '=viewer:');
    let last = '';
    const first = await waitFor(async () => {
      const s = (last = await screen());
      return /q quits/.test(s) && /pool ccl-auto-\* 2\/2 sessions/.test(s) ? s : undefined;
    }, { timeoutMs: 60_000, what: 'the first screen' }).catch((err: Error) => {
      throw new Error(`${err.message}\nthe pane showed:\n${last}\ncontroller: ${c.lines.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`);
    });
    expect(first).toMatch(/^ccl-auto-1\s+idle/m);
    expect(first).toMatch(/^project\s+0\s+0\s+0\s+0\s+0\s+0\s+0\s+0$/m);

    await dropTask(env.project, 'shown.md', 'Show me.\n');
    const after = await waitFor(async () => {
      const s = await screen();
      return /Tasks done per minute, last 30 min \(1\)/.test(s) && /working → stopping \(AGENT_ENDED\)\s+shown\.md/.test(s) ? s : undefined;
    }, { timeoutMs: 60_000, what: 'the done task and its transitions redrawn' });
    expect(after.match(/agentpool top —/g)).toHaveLength(1);
    expect(after).toMatch(/\[ +█\]/);
    expect(after.split('\n')[0]).toMatch(/^agentpool top — pool ccl-auto-\* 2\/2 sessions/);
    expect(after.split('\n').every((l) => l.length < 80)).toBe(true);

    await env.tmux.run('send-keys', '-t', '=viewer:', 'q');
    // The shell's screen as it was, and the shell going on below it: nothing of top is left on it.
    const back = await waitFor(async () => {
      const s = await screen();
      return /after top/.test(s) ? s : undefined;
    }, { timeoutMs: 10_000, what: 'the shell going on after q' });
    expect(back.trim().split('\n')).toEqual(['before top', 'after top']);
  }, 150_000);

  it('says that it needs a terminal when its output is not one', async () => {
    env = await createPoolEnv({ size: 1 });
    const r = await execa(process.execPath, [join(REPO_ROOT, 'bin/agentpool.js'), 'top', '--config', env.configFile], { reject: false, cwd: REPO_ROOT });
    expect([r.exitCode, r.stderr]).toEqual([2, 'agentpool: top needs a terminal; agentpool status --watch prints the same facts to a pipe or a log']);
  });
});
