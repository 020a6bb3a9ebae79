import { describe, expect, it } from 'vitest';
import { CHANNEL_OWNER_VAR, channelCommand, isChannelOf, strays } from '../../src/tmux/strays.js';
import type { ProcessInfo } from '../../src/util/processes.js';

const channel = ['tmux', '-L', 'agentpool', '-f', '/dev/null', '-C', 'attach-session', '-f', 'no-output,ignore-size', '-t', '$0'];
const proc = (pid: number, ppid: number, argv = channel): ProcessInfo => ({ pid, ppid, sid: null, uid: 0, argv });

describe('isChannelOf', () => {
  it('knows a controller\'s command channel on its own socket', () => {
    expect(isChannelOf(channel, { socket: 'agentpool' })).toBe(true);
    expect(isChannelOf(['/usr/bin/tmux', ...channel.slice(1)], { socket: 'agentpool' })).toBe(true);
    expect(isChannelOf(['tmux', '-S', '/run/ap.sock', '-C', 'attach-session', '-f', 'no-output,ignore-size'], { socketPath: '/run/ap.sock' })).toBe(true);
  });

  it('knows a dashboard\'s screen viewer too (started and swept the same way)', () => {
    expect(isChannelOf(['tmux', '-L', 'agentpool', '-f', '/dev/null', '-C', 'attach-session', '-r', '-f', 'read-only,ignore-size,pause-after=2', '-t', '=ccl-auto-1'], { socket: 'agentpool' })).toBe(true);
  });

  it('leaves alone other sockets, a person\'s control client, and commands that only name the socket', () => {
    expect(isChannelOf(channel, { socket: 'agentpool2' })).toBe(false);
    expect(isChannelOf(channel, { socketPath: '/tmp/agentpool' })).toBe(false);
    expect(isChannelOf(['tmux', '-L', 'agentpool', '-C', 'attach-session', '-t', 'main'], { socket: 'agentpool' })).toBe(false);
    expect(isChannelOf(['tmux', '-L', 'agentpool', 'attach'], { socket: 'agentpool' })).toBe(false);
    expect(isChannelOf(['vim', '-L', 'agentpool', '-C', 'attach-session', 'no-output,ignore-size'], { socket: 'agentpool' })).toBe(false);
  });
});

describe('strays', () => {
  it('is a channel whose parent is no longer the controller it was started for', () => {
    const found = strays([
      { proc: proc(10, 500), owner: 500 }, // its controller runs
      { proc: proc(11, 1), owner: 501 }, // reparented to init
      { proc: proc(12, 77), owner: 502 }, // reparented to a subreaper
      { proc: proc(13, 1), owner: null }, // an older agentpool's, orphaned
      { proc: proc(14, 600), owner: null }, // an older agentpool's, its controller alive
    ]);
    expect(found.map((p) => p.pid)).toEqual([11, 12, 13]);
  });
});

describe('channelCommand', () => {
  it('names the controller in the channel\'s environment, and asks the kernel to end it with its parent where setpriv is', () => {
    const c = channelCommand('tmux', ['-L', 'x'], { PATH: process.env.PATH ?? '' });
    expect(c.env[CHANNEL_OWNER_VAR]).toBe(String(process.pid));
    if (c.file.endsWith('setpriv')) expect(c.args).toEqual(['--pdeathsig', 'TERM', 'tmux', '-L', 'x']);
    else expect(c).toMatchObject({ file: 'tmux', args: ['-L', 'x'] });
    expect(channelCommand('tmux', ['-L', 'x'], { PATH: '/nonexistent' })).toMatchObject({ file: 'tmux', args: ['-L', 'x'] });
  });
});
