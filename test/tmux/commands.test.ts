/** Both tmux transports against a real, private tmux server: the same commands, whatever carries them. */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TAG_OPTION as OPT } from '../../src/backend/tmux.js';
import { TmuxError } from '../../src/tmux/errors.js';
import type { TmuxCommands } from '../../src/tmux/commands.js';
import { ExecTmuxClient } from '../../src/tmux/exec-client.js';
import { guardArgs, testTmux, waitFor, type TestTmux } from '../helpers/tmux-server.js';
import { guardedServer, TRANSPORTS } from '../helpers/transports.js';

let server: TestTmux | undefined;
afterEach(async () => {
  await server?.kill();
  server = undefined;
});

describe.each(TRANSPORTS)('the %s transport', (_, make) => {
  function client(): TmuxCommands {
    server = guardedServer();
    return make({ socket: server.socket });
  }

  it('sees no panes, not an error, when no server runs', async () => {
    expect(await client().listPanes()).toEqual([]);
  });

  it('creates a tagged session with remain-on-exit in one command and lists it with its options decoded', async () => {
    const c = client();
    const task = '/p/.agent-queue/active/odd\nname;\x1f#{pane_id}.md';
    const { sessionId, paneId } = await c.newSession({
      name: 'ccl-auto-1', cwd: '/', command: ['sleep', '600'], options: { [OPT.pool]: 'ccl-auto-', [OPT.task]: task },
    });
    const [p] = await c.listPanes([OPT.pool, OPT.task]);
    expect(p).toMatchObject({ sessionId, paneId, sessionName: 'ccl-auto-1', options: { [OPT.pool]: 'ccl-auto-', [OPT.task]: task }, paneDead: false });
    expect((await server!.run('show-options', '-w', '-v', '-t', 'ccl-auto-1', 'remain-on-exit')).trim()).toBe('on');
    await c.setOptions(sessionId, { [OPT.task]: '' });
    expect((await c.listPanes([OPT.task]))[0]!.options).toEqual({ [OPT.task]: '' });
  });

  it('tags, configures and names a new session by its ids, whatever TMUX and TMUX_PANE the caller has', async () => {
    const c = client();
    // The user's own session on the same server: its pane is %0, and the caller's TMUX_PANE names it.
    await server!.run('new-session', '-d', '-s', 'ux-main', '--', 'sleep', '600');
    const socketPath = (await server!.run('display-message', '-p', '#{socket_path},#{pid},0')).trim();
    const saved = { TMUX: process.env.TMUX, TMUX_PANE: process.env.TMUX_PANE };
    Object.assign(process.env, { TMUX: socketPath, TMUX_PANE: '%0' });
    try {
      for (const n of [1, 2, 3]) {
        await c.newSession({ name: `ccl-auto-${n}`, cwd: '/', command: ['sleep', '600'], options: { [OPT.pool]: 'ccl-auto-', [OPT.slot]: String(n) } });
      }
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    const rows = (await server!.run('list-sessions', '-F', '#{session_name} #{@agentpool-pool} #{@agentpool-slot}')).split('\n').sort();
    expect(rows).toEqual(['ccl-auto-1 ccl-auto- 1', 'ccl-auto-2 ccl-auto- 2', 'ccl-auto-3 ccl-auto- 3', 'ux-main  ']);
    expect(await server!.run('show-options', '-w', '-t', 'ux-main')).not.toMatch(/remain-on-exit/);
    for (const n of [1, 2, 3]) expect((await server!.run('show-options', '-w', '-v', '-t', `ccl-auto-${n}`, 'remain-on-exit')).trim()).toBe('on');
  });

  it('replaces a staging session left by a creation that never finished', async () => {
    const c = client();
    await c.newSession({ name: 'ccl-auto-1', cwd: '/', command: ['sleep', '600'], options: {} });
    await server!.run('new-session', '-d', '-s', `ccl-auto-2${'~creating'}`, '--', 'sleep', '600');
    await c.newSession({ name: 'ccl-auto-2', cwd: '/', command: ['sleep', '600'], options: {} });
    expect((await server!.run('list-sessions', '-F', '#{session_name}')).split('\n').sort()).toEqual(['ccl-auto-1', 'ccl-auto-2']);
  });

  it('fails without leaving a session behind when the name is taken, and keeps the one that had it', async () => {
    const c = client();
    await server!.run('new-session', '-d', '-s', 'ccl-auto-1', '--', 'sleep', '600');
    await expect(c.newSession({ name: 'ccl-auto-1', cwd: '/', command: ['sleep', '600'], options: { [OPT.pool]: 'ccl-auto-' } })).rejects.toThrow(/duplicate session/);
    expect((await server!.run('list-sessions', '-F', '#{session_name}=#{@agentpool-pool}')).trim()).toBe('ccl-auto-1=');
  });

  it("starts its server without the user's tmux config", async () => {
    const home = await mkdtemp(join(tmpdir(), 'agentpool-home-'));
    await writeFile(join(home, '.tmux.conf'), 'set-option -g @user-config-loaded yes\nset-option -g remain-on-exit on\n');
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      const c = client();
      await c.newSession({ name: 's', cwd: '/', command: ['sleep', '600'], options: {} });
      expect((await server!.run('show-options', '-g')).includes('@user-config-loaded')).toBe(false);
    } finally {
      process.env.HOME = saved;
    }
  });

  it('passes argv words literally, a trailing ";" included, and keeps a dead pane with its status', async () => {
    const c = client();
    const out = join(await mkdtemp(join(tmpdir(), 'agentpool-exec-')), 'argv.txt');
    const { paneId } = await c.newSession({ name: 's', cwd: '/', command: ['sleep', '600'], options: {} });
    await c.respawnPane(paneId, { cwd: '/', command: ['sh', '-c', 'printf "[%s]" "$@" > "$0"; exit 3', out, 'a;', '$(x)', 'Enter'] });
    const dead = await waitFor(async () => (await c.listPanes()).find((p) => p.paneDead && p.paneDeadStatus !== null));
    expect(dead.paneDeadStatus).toBe(3);
    expect(await readFile(out, 'utf8')).toBe('[a;][$(x)][Enter]');
  });

  it('reports the signal that killed a pane, and no exit status then', async () => {
    const c = client();
    const { paneId } = await c.newSession({ name: 's', cwd: '/', command: ['sleep', '600'], options: {} });
    process.kill((await c.listPanes())[0]!.panePid, 'SIGKILL');
    const dead = await waitFor(async () => (await c.listPanes()).find((p) => p.paneId === paneId && p.paneDead && p.paneDeadSignal !== null));
    expect(dead).toMatchObject({ paneDeadSignal: 9, paneDeadStatus: null });
  });

  it('pastes text through a buffer, never through argv', async () => {
    const c = client();
    const { paneId } = await c.newSession({ name: 's', cwd: '/', command: ['cat'], options: {} });
    await c.pasteText(paneId, 'send-keys C-c ; kill-server;');
    await waitFor(async () => (await c.capturePane(paneId)).includes('send-keys C-c ; kill-server;'), { what: 'pasted text on screen' });
    expect(await c.listPanes()).toHaveLength(1); // the server is still there
  });

  it('pastes many pieces in order, each whole: hostile words, one too long for a command, thousands in all', async () => {
    const c = client();
    const out = join(await mkdtemp(join(tmpdir(), 'agentpool-pieces-')), 'got.txt');
    const { paneId } = await c.newSession({ name: 's', cwd: '/', command: ['sh', '-c', 'stty raw -echo; exec cat > "$0"', out], options: {} });
    await waitFor(async () => (await server!.run('display-message', '-p', '-t', paneId, '#{pane_current_command}')).trim() === 'cat', { what: 'cat reading the pane' });
    const hostile = [';', 'ends in ;', 'ends in \\;', '-b x', '--', '"q" $HOME ~ #{pane_id} ✓ ❯ %end\t', 'kill-server; send-keys C-c\n'];
    const pieces = [...hostile, 'x'.repeat(9_000), ...Array.from({ length: 3_000 }, (_, i) => `piece ${i};\n`)];
    await c.pasteTexts(paneId, pieces);
    const text = pieces.join('').replaceAll('\n', '\r'); // paste-buffer sends each LF as CR, which a raw terminal keeps
    await waitFor(async () => (await readFile(out, 'utf8').catch(() => '')).length >= text.length, { timeoutMs: 30_000, what: 'every piece in the file' });
    expect(await readFile(out, 'utf8')).toBe(text);
    expect(await c.listPanes()).toHaveLength(1);
  });

  it('ends its server and removes the socket file tmux leaves behind', async () => {
    const c = client();
    await c.newSession({ name: 's', cwd: '/', command: ['sleep', '600'], options: {} });
    const socket = join(process.env.TMUX_TMPDIR!, `tmux-${process.getuid?.() ?? 0}`, server!.socket);
    expect(existsSync(socket)).toBe(true);
    await c.killServer();
    expect(await c.listPanes()).toEqual([]);
    expect(existsSync(socket)).toBe(false);
  });

});

describe('ExecTmuxClient', () => {
  function client(): ExecTmuxClient {
    server = testTmux();
    guardArgs(['-L', server.socket]);
    return new ExecTmuxClient({ socket: server.socket });
  }

  it('throws a TmuxError with command, args, stderr and exit code when a command fails', async () => {
    const c = client();
    await c.newSession({ name: 's', cwd: '/', command: ['sleep', '600'], options: {} });
    const err = await c.killSession('$999').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TmuxError);
    expect(err).toMatchObject({ kind: 'failed', command: 'tmux', exitCode: 1 });
    expect((err as TmuxError).args).toEqual(['-L', server!.socket, '-f', '/dev/null', 'kill-session', '-t', '$999']);
    expect((err as TmuxError).stderr).toMatch(/can't find session/);
  });


  it('says clearly when the tmux binary is missing', async () => {
    server = testTmux();
    const c = new ExecTmuxClient({ socket: server.socket }, 'no-such-tmux-binary');
    const err = await c.listPanes().catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'missing-binary' });
    expect((err as Error).message).toMatch(/"no-such-tmux-binary" was not found: install tmux/);
  });

  it('gives up on a server that does not answer (stopped with SIGSTOP), kills its tmux process and says why', async () => {
    server = testTmux();
    guardArgs(['-L', server.socket]);
    const c = new ExecTmuxClient({ socket: server.socket }, 'tmux', 500);
    await c.newSession({ name: 's', cwd: '/', command: ['sleep', '600'], options: {} });
    const pid = Number((await server.run('display-message', '-p', '#{pid}')).trim());
    process.kill(pid, 'SIGSTOP');
    try {
      const err = await c.listPanes().catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'timeout' });
      expect((err as Error).message).toMatch(/list-panes got no answer within 0.5 s: the tmux server is stopped \(SIGSTOP/);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(await c.listPanes()).toHaveLength(1);
  });
});
