import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { listProcesses, processEnvVar, socketHolders } from '../../src/util/processes.js';
import { endProcess } from '../../src/util/pid.js';
import { socketFile } from '../../src/tmux/client.js';
import { testTmux } from '../helpers/tmux-server.js';

describe('processes', () => {
  it('lists this process with its parent and argv, and reads its environment', async () => {
    const me = (await listProcesses()).find((p) => p.pid === process.pid);
    expect(me?.ppid).toBe(process.ppid);
    expect(me?.argv[0]).toBe(process.argv[0]);
    if (process.platform === 'linux') expect(await processEnvVar(process.pid, 'PATH')).toBe(process.env.PATH);
  });

  it('finds the tmux server that holds a socket file without asking it', async () => {
    if (process.platform !== 'linux') return;
    const t = testTmux();
    try {
      await t.run('-f', '/dev/null', 'new-session', '-d', 'sleep 600');
      const serverPid = Number((await t.run('display-message', '-p', '#{pid}')).trim());
      expect(await socketHolders(socketFile({ socket: t.socket }), await listProcesses())).toEqual([serverPid]);
    } finally {
      await t.kill();
    }
  });

  it('ends a stopped process (SIGTERM with SIGCONT), and one that ignores SIGTERM (SIGKILL after the grace)', async () => {
    const stopped = spawn('sleep', ['600']);
    const stubborn = spawn('sh', ['-c', 'trap "" TERM; echo ready; exec sleep 600'], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((r) => stubborn.stdout!.once('data', r));
    process.kill(stopped.pid!, 'SIGSTOP');
    const gone = (c: ChildProcess) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)));
    await Promise.all([endProcess(stopped.pid!), endProcess(stubborn.pid!, 200)]);
    await Promise.all([gone(stopped), gone(stubborn)]);
    expect(stopped.signalCode).toBe('SIGTERM');
    expect(stubborn.signalCode).toBe('SIGKILL');
  });
});
