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
  it('shows the sessions, queues, transitions and tasks done, redraws as the pool works, and quits on q', async () => {
    env = await quickPoolEnv(2, 300);
    const c = env.startController();
    await c.waitForLine((l) => l.msg === 'controller started', 'start');
    const bin = join(REPO_ROOT, 'bin/agentpool.js');
    // On the test's own server, beside the pool (the viewer session is not a pool name, so it is left alone).
    await env.tmux.run('new-session', '-d', '-s', 'viewer', '-x', '160', '-y', '45', '--', process.execPath, bin, 'top', '--config', env.configFile);
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

    await env.tmux.run('send-keys', '-t', '=viewer:', 'q');
    await waitFor(async () => !(await env!.sessions()).some((s) => s.name === 'viewer'), { timeoutMs: 10_000, what: 'top gone after q' });
  }, 150_000);

  it('says that it needs a terminal when its output is not one', async () => {
    env = await createPoolEnv({ size: 1 });
    const r = await execa(process.execPath, [join(REPO_ROOT, 'bin/agentpool.js'), 'top', '--config', env.configFile], { reject: false, cwd: REPO_ROOT });
    expect([r.exitCode, r.stderr]).toEqual([2, 'agentpool: top needs a terminal; agentpool status --watch prints the same facts to a pipe or a log']);
  });
});
