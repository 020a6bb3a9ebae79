/** What only the control-mode transport does: one client, pipelined commands, reconnecting, wedged servers. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TAG_OPTION as OPT } from '../../src/backend/tmux.js';
import { ControlTmuxClient } from '../../src/tmux/control-client.js';
import { CHANNEL_OWNER_VAR } from '../../src/tmux/strays.js';
import { listProcesses } from '../../src/util/processes.js';
import { guardArgs, testTmux, waitFor, type TestTmux } from '../helpers/tmux-server.js';

let server: TestTmux | undefined;
let open: ControlTmuxClient | undefined;
afterEach(async () => {
  await open?.close();
  await server?.kill();
  server = open = undefined;
});

function client(timeoutMs = 10_000): ControlTmuxClient {
  server = testTmux();
  guardArgs(['-L', server.socket]);
  return (open = new ControlTmuxClient({ socket: server.socket }, 'tmux', timeoutMs));
}

const session = (n: number) => ({ name: `ccl-auto-${n}`, cwd: '/', command: ['sleep', '600'], options: { [OPT.pool]: 'ccl-auto-', [OPT.slot]: String(n) } });

/** The `tmux -C` clients attached to the test's server. */
async function controlClients(): Promise<string[]> {
  return (await server!.run('list-clients', '-F', '#{client_control_mode} #{session_name}')).split('\n').filter((l) => l.startsWith('1 '));
}

describe('ControlTmuxClient', () => {
  it('starts the server through exec, then answers every command through one attached control client', async () => {
    const c = client();
    await c.newSession(session(1));
    for (let n = 2; n <= 4; n++) await c.newSession(session(n));
    const panes = await c.listPanes([OPT.pool, OPT.slot]);
    expect(panes.map((p) => p.options[OPT.slot]).sort()).toEqual(['1', '2', '3', '4']);
    expect(c.connections).toBe(1);
    expect(await controlClients()).toHaveLength(1);
    // It draws nothing and sizes nothing: the sessions keep the size they were made with.
    expect((await server!.run('display-message', '-p', '-t', 'ccl-auto-1', '#{window_width}x#{window_height}')).trim()).toBe('200x50');
  });

  it('pipelines many commands at once and gives each its own answer', async () => {
    const c = client();
    const ids: Array<{ sessionId: string; paneId: string }> = [];
    for (let n = 1; n <= 5; n++) ids.push(await c.newSession(session(n)));
    await Promise.all(ids.map((id, i) => c.setOptions(id.sessionId, { [OPT.task]: `/p/active/task-${i};\n"q" $HOME ~ #{pane_id}.md` })));
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? c.capturePane(ids[i % 5]!.paneId) : c.listPanes([OPT.task]))));
    for (const [i, a] of answers.entries()) {
      if (i % 3 === 0) expect(typeof a).toBe('string');
      else expect((a as Awaited<ReturnType<typeof c.listPanes>>).map((p) => p.options[OPT.task]).sort()).toEqual(ids.map((_, k) => `/p/active/task-${k};\n"q" $HOME ~ #{pane_id}.md`));
    }
    expect(c.connections).toBe(1);
  });

  it('delivers a 20 KB hostile text byte for byte through set-buffer', async () => {
    const c = client();
    const out = join(await mkdtemp(join(tmpdir(), 'agentpool-control-')), 'got.txt');
    await c.newSession(session(1));
    const { paneId } = (await c.listPanes())[0]!;
    // The terminal is raw, so every byte pasted reaches the file as it is.
    await c.respawnPane(paneId, { cwd: '/', command: ['sh', '-c', 'stty raw -echo; exec cat > "$0"', out] });
    await waitFor(async () => (await server!.run('display-message', '-p', '-t', paneId, '#{pane_current_command}')).trim() === 'cat', { what: 'cat reading the pane' });
    const line = '"q" $HOME ~ #{pane_id} ; \\ ✓ ❯ %end 1 2 1 \t kill-server; send-keys C-c\n';
    const text = line.repeat(Math.ceil(20_000 / line.length));
    await c.pasteText(paneId, text);
    await waitFor(async () => (await readFile(out, 'utf8').catch(() => '')).length >= text.length - text.split('\n').length, { what: 'the whole paste in the file' });
    // paste-buffer sends each LF as CR (the Enter key), which a raw terminal passes on as it is.
    expect(await readFile(out, 'utf8')).toBe(text.replaceAll('\n', '\r'));
    expect(c.connections).toBe(1);
  });

  it('keeps its client when the session it is attached to is removed, even with commands behind the removal', async () => {
    const c = client();
    const first = await c.newSession(session(1));
    const second = await c.newSession(session(2));
    await c.listPanes();
    expect(await controlClients()).toEqual(['1 ccl-auto-1']);
    const [killed, ...after] = await Promise.all([c.killSession(first.sessionId), c.listPanes(), c.capturePane(second.paneId), c.listPanes()]);
    expect(killed).toBeUndefined();
    expect(after[0]).toHaveLength(1);
    expect(c.connections).toBe(1);
    expect(await controlClients()).toEqual(['1 ccl-auto-2']);
  });

  it('sees no server once the last session went, and attaches anew when the server is back', async () => {
    const c = client();
    const only = await c.newSession(session(1));
    await c.listPanes();
    await c.killSession(only.sessionId);
    expect(await waitFor(async () => ((await c.listPanes()).length === 0 ? 'gone' : undefined))).toBe('gone');
    await c.newSession(session(2));
    await c.newSession(session(3));
    expect((await c.listPanes()).map((p) => p.sessionName).sort()).toEqual(['ccl-auto-2', 'ccl-auto-3']);
    expect(c.connections).toBe(2);
  });

  it('fails the commands waiting on a stopped server, fails fast while it backs off, and reattaches after', async () => {
    const c = client(500);
    await c.newSession(session(1));
    await c.listPanes();
    const pid = Number((await server!.run('display-message', '-p', '#{pid}')).trim());
    process.kill(pid, 'SIGSTOP');
    try {
      const waiting = await Promise.all([c.listPanes(), c.capturePane('%0'), c.listPanes()].map((p) => p.catch((e: unknown) => e)));
      for (const err of waiting) expect(err).toMatchObject({ kind: 'timeout', message: expect.stringMatching(/got no answer within 0.5 s: the tmux server is stopped/) });
      // While it backs off, a call fails at once with the same reason instead of waiting again.
      await expect(c.listPanes()).rejects.toMatchObject({ kind: 'timeout' });
      expect(c.connections).toBe(1);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(await waitFor(async () => (await c.listPanes().catch(() => [])).length || undefined)).toBe(1);
    expect(c.connections).toBe(2);
  });

  it('ignores the TMUX and TMUX_PANE of a shell inside the user\'s tmux', async () => {
    const c = client();
    await c.newSession(session(1));
    const saved = { TMUX: process.env.TMUX, TMUX_PANE: process.env.TMUX_PANE };
    Object.assign(process.env, { TMUX: '/tmp/tmux-0/default,1,0', TMUX_PANE: '%0' });
    try {
      await c.close();
      await c.newSession(session(2));
      expect((await c.listPanes()).map((p) => p.sessionName).sort()).toEqual(['ccl-auto-1', 'ccl-auto-2']);
      expect(c.connections).toBe(2);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });

  it('tells its listeners when a session comes or goes, whoever did it', async () => {
    const c = client();
    let heard = 0;
    c.onChange(() => heard++);
    await c.newSession(session(1));
    await c.newSession(session(2));
    await c.listPanes();
    const before = heard;
    await server!.run('kill-session', '-t', '=ccl-auto-2'); // behind its back
    await waitFor(async () => heard > before, { what: 'the listener told of the removal' });
  });

  it('ends the command channel a killed controller left attached, and leaves any other client alone', async () => {
    const c = client();
    await c.newSession(session(1));
    await c.close();
    // A dead controller's channel: one started by a process (as a controller starts it, naming itself)
    // that was then killed; stopped first, so it cannot act on the end of its input before it is looked
    // at. And a person's own control-mode client (tmux -C, as iTerm2 uses).
    const args = ['-L', server!.socket, '-C', 'attach-session', '-f', 'no-output,ignore-size', '-t', 'ccl-auto-1'];
    guardArgs(args);
    const starter = spawn(process.execPath, ['-e', `
      const c = require('node:child_process').spawn('tmux', ${JSON.stringify(args)}, { stdio: ['pipe', 'ignore', 'ignore'], env: { ...process.env, ${CHANNEL_OWNER_VAR}: String(process.pid) } });
      console.log(c.pid);
      setInterval(() => {}, 1000);
    `], { stdio: ['ignore', 'pipe', 'ignore'] });
    const stalePid = Number(await new Promise<string>((r) => starter.stdout!.once('data', (b: Buffer) => r(b.toString()))));
    const full = ['-L', server!.socket, '-C', 'attach-session', '-t', 'ccl-auto-1'];
    guardArgs(full);
    const person = spawn('tmux', full, { stdio: ['pipe', 'ignore', 'ignore'] });
    await waitFor(async () => (await controlClients()).length === 2, { what: 'both clients attached' });
    process.kill(stalePid, 'SIGSTOP');
    starter.kill('SIGKILL');
    await waitFor(async () => (await listProcesses()).find((p) => p.pid === stalePid)?.ppid !== starter.pid, { what: 'the channel outliving its starter' });
    const next = (open = new ControlTmuxClient({ socket: server!.socket }, 'tmux'));
    await next.listPanes([OPT.pool]);
    // Gone, or a zombie whose argv is gone (where nobody reaps orphans).
    await waitFor(async () => !(await listProcesses()).some((p) => p.pid === stalePid && p.argv.length > 0), { what: 'the stale channel ended' });
    await waitFor(async () => (await controlClients()).length === 2, { what: 'the new channel and the person\'s client' });
    expect(person.exitCode).toBeNull();
    person.kill();
  });

  it('says clearly when the tmux binary is missing', async () => {
    server = testTmux();
    const c = new ControlTmuxClient({ socket: server.socket }, 'no-such-tmux-binary');
    await expect(c.listPanes()).rejects.toMatchObject({ kind: 'missing-binary', message: expect.stringMatching(/"no-such-tmux-binary" was not found: install tmux/) });
  });
});
