// The older dispatcher's sequence, reimplemented to be measured against the same fake agent in the same run
// (issue 12): for each task, check that the session exists; `cd` by keys and wait 300 ms; launch the agent by
// keys; capture the screen every 1 s until `❯` shows; type the task with send-keys; wait 500 ms; Enter. One
// `tmux` process per command, as it did. Its clock starts when the task file lands, as ours does (it is
// told at once, which is kinder than its polling was).
import { execa } from 'execa';
import { join } from 'node:path';
import { ROOT, sleep, until } from './lib.mjs';

export async function olderDispatcher({ socket, project, n, fakeLog, prompts }) {
  const tmux = (...args) => execa('tmux', ['-L', socket, '-f', '/dev/null', ...args]);
  const session = 'old-1';
  await tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', '-e', `FAKE_AGENT_LOG=${fakeLog}`, '-e', 'FAKE_AGENT_WORK_MS=20', 'sh');
  const latencies = [];
  for (let i = 0; i < n; i++) {
    const text = `Older dispatcher task ${i}: check the build and stop.`;
    const t0 = Date.now();
    await tmux('has-session', '-t', session);
    await tmux('send-keys', '-t', session, `cd ${project}`, 'Enter');
    await sleep(300);
    await tmux('send-keys', '-t', session, `${process.execPath} ${join(ROOT, 'dist/agents/fake-agent.js')} --model sonnet`, 'Enter');
    for (;;) {
      await sleep(1_000);
      if ((await tmux('capture-pane', '-p', '-t', session)).stdout.includes('❯')) break;
    }
    await tmux('send-keys', '-t', session, '-l', text);
    await sleep(500);
    await tmux('send-keys', '-t', session, 'Enter');
    const got = await until(() => prompts().find((p) => p.prompt === text), `the older dispatcher's task ${i}`, 30_000, 5);
    latencies.push(Date.parse(got.ts) - t0);
    // The agent's turn ends, then it is asked to exit, back to the shell for the next task.
    await sleep(200);
    await tmux('send-keys', '-t', session, '-l', '/exit');
    await sleep(100);
    await tmux('send-keys', '-t', session, 'Enter');
    for (let k = 0; k < 100 && !(await tmux('display-message', '-p', '-t', session, '#{pane_current_command}')).stdout.includes('sh'); k++) await sleep(50);
  }
  await tmux('kill-session', '-t', session);
  return latencies;
}
