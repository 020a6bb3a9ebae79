/** The tmux backend against a real, private tmux server: refs, tags and programs through the port. */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { TmuxBackend } from '../../src/backend/tmux.js';
import { socketFile } from '../../src/tmux/client.js';
import { ExecTmuxClient } from '../../src/tmux/exec-client.js';
import { guardedServer, TRANSPORTS } from '../helpers/transports.js';
import { testTmux, waitFor, type TestTmux } from '../helpers/tmux-server.js';

let server: TestTmux | undefined;
afterEach(async () => {
  await server?.kill();
  server = undefined;
});

describe.each(TRANSPORTS)('TmuxBackend over the %s transport', (_, make) => {
  function backend(): TmuxBackend {
    server = guardedServer();
    return new TmuxBackend(make({ socket: server.socket }));
  }

  it('creates a session with its tags, lists it by ref with every tag, and knows it made it', async () => {
    const b = backend();
    const ref = await b.create('ccl-auto-1', { pool: 'ccl-auto-', slot: '1', state: 'idle' });
    expect(ref).toMatch(/^\$\d+\/%\d+$/);
    expect(await b.list()).toEqual([{
      name: 'ccl-auto-1', ref, createdHere: true,
      tags: { pool: 'ccl-auto-', slot: '1', state: 'idle', task: '', until: '', agent: '' },
      process: { dead: false, status: null, signal: null, pid: expect.any(Number) },
    }]);
    // The pid is the program's: a process of this machine, running.
    const [s] = await b.list();
    expect(() => process.kill(s!.process.pid!, 0)).not.toThrow();
    // Another process (a fresh controller, `agentpool status`) sees the same tags, but did not make it.
    const other = new TmuxBackend(make({ socket: server!.socket }));
    expect((await other.list())[0]).toMatchObject({ ref, createdHere: false, tags: { pool: 'ccl-auto-', slot: '1', state: 'idle' } });
  });

  it('does not list a session still being made (its staging name): it is agentpool\'s, half-made, not someone else\'s', async () => {
    const b = backend();
    await server!.run('new-session', '-d', '-s', 'ccl-auto-2~creating', '--', 'sleep', '600');
    const ref = await b.create('ccl-auto-1', { pool: 'ccl-auto-' });
    expect((await b.list()).map((s) => s.ref)).toEqual([ref]);
  });

  it('writes and removes tags, runs a program and gives the session its idle program back', async () => {
    const b = backend();
    const ref = await b.create('ccl-auto-1', { pool: 'ccl-auto-' });
    await b.setTags(ref, { state: 'working', task: '/p/active/a;b.md', agent: 'claude' });
    expect((await b.list())[0]!.tags).toMatchObject({ state: 'working', task: '/p/active/a;b.md', agent: 'claude' });
    await b.setTags(ref, { task: '' });
    expect((await b.list())[0]!.tags.task).toBe('');
    await b.start(ref, { argv: ['sh', '-c', 'echo "hello from $WHO"; read line; echo "got $line"; read x; exit 3'], env: { WHO: 'the agent' }, cwd: '/' });
    await waitFor(async () => (await b.readScreen(ref)).includes('hello from the agent'));
    await b.deliver(ref, ['pasted text']);
    await b.sendKeys(ref, ['Enter']);
    await waitFor(async () => (await b.readScreen(ref)).includes('got pasted text'));
    await b.sendKeys(ref, ['Enter']);
    const dead = await waitFor(async () => (await b.list()).find((s) => s.process.dead && s.process.status !== null));
    expect(dead.process).toMatchObject({ dead: true, status: 3, signal: null });
    await b.rest(ref);
    await waitFor(async () => (await b.readScreen(ref)).includes('idle pool session'));
    expect((await b.list())[0]!.process.dead).toBe(false);
    await b.destroy(ref);
    expect(await b.list()).toEqual([]);
  });

  it('ends its host: every session goes, and the socket file with them; a host already ended is no error', async () => {
    const b = backend();
    await b.create('ccl-auto-1', { pool: 'ccl-auto-' });
    await server!.run('new-session', '-d', '-s', 'someone-else', '--', 'sleep', '600');
    await b.endHost();
    expect(existsSync(socketFile({ socket: server!.socket }))).toBe(false);
    expect(await b.list()).toEqual([]);
    await b.endHost();
  });

  it('reports a missing tmux binary as unavailable: nothing works until it is installed', async () => {
    server = testTmux();
    const b = new TmuxBackend(new ExecTmuxClient({ socket: server.socket }, 'no-such-tmux-binary'));
    await expect(b.list()).rejects.toMatchObject({ name: 'BackendError', kind: 'unavailable', message: expect.stringMatching(/was not found: install tmux/) });
  });
});
