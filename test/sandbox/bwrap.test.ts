import { describe, expect, it } from 'vitest';
import { sandboxArgv } from '../../src/sandbox/bwrap.js';
import { sandboxDecision } from '../../src/sandbox/policy.js';

const layout = {
  cwd: '/state/worktrees/p/a/p',
  writable: ['/state/worktrees/p/a', '/home/u/.claude', '/state/sessions/s1/events.jsonl'],
  readable: ['/state/sessions/s1'],
  hiddenDirs: ['/state', '/home/u/.ssh', '/tmp/tmux-0'],
  hiddenFiles: ['/home/u/.netrc'],
  forwards: [],
};

describe('sandboxArgv', () => {
  it('mounts by depth, so a deeper rule wins over its folder: the state folder hidden, its session back read-only, its events file writable', () => {
    const argv = sandboxArgv(layout, ['claude', '--model', 'opus']);
    expect(argv.slice(0, 8)).toEqual(['bwrap', '--die-with-parent', '--unshare-pid', '--unshare-ipc', '--unshare-net', '--cap-drop', 'ALL', '--ro-bind']);
    const at = (...args: string[]) => argv.findIndex((_, i) => args.every((a, k) => argv[i + k] === a));
    expect(at('--tmpfs', '/tmp')).toBeLessThan(at('--tmpfs', '/state'));
    expect(at('--tmpfs', '/state')).toBeLessThan(at('--ro-bind', '/state/sessions/s1', '/state/sessions/s1'));
    expect(at('--ro-bind', '/state/sessions/s1', '/state/sessions/s1')).toBeLessThan(at('--bind', '/state/sessions/s1/events.jsonl', '/state/sessions/s1/events.jsonl'));
    expect(at('--tmpfs', '/state')).toBeLessThan(at('--bind', '/state/worktrees/p/a', '/state/worktrees/p/a'));
    expect(at('--ro-bind', '/dev/null', '/home/u/.netrc')).toBeGreaterThan(-1);
    // Hidden folders become read-only after everything is bound inside them.
    expect(at('--remount-ro', '/state')).toBeGreaterThan(at('--bind', '/state/sessions/s1/events.jsonl', '/state/sessions/s1/events.jsonl'));
    expect(argv.slice(argv.indexOf('--chdir'), argv.indexOf('--chdir') + 2)).toEqual(['--chdir', '/state/worktrees/p/a/p']);
    expect(argv.slice(-6)).toEqual(['-c', 'exec "$@"', 'agentpool-sandbox', 'claude', '--model', 'opus']);
  });

  it('relays each allowed loopback address: socat outside, ended with the sandbox, not waited for; a listener inside up before the agent, whose connections wait for the socket', () => {
    const argv = sandboxArgv({ ...layout, forwards: [{ host: 'localhost', port: 8080, socket: '/state/sessions/s1/net/8080.s' }] }, ['agent']);
    expect(argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(argv[2]).toBe([
      "rm -f '/state/sessions/s1/net/8080.s'",
      "setpriv --pdeathsig TERM socat 'UNIX-LISTEN:/state/sessions/s1/net/8080.s,fork,unlink-early,mode=600' 'TCP:localhost:8080' </dev/null >/dev/null 2>&1 &",
      'exec "$@"',
    ].join('\n'));
    const inside = argv[argv.length - 3]!;
    expect(inside).toContain("socat 'TCP-LISTEN:8080,bind=127.0.0.1,fork,reuseaddr' 'UNIX-CONNECT:/state/sessions/s1/net/8080.s,retry=300,interval=0.01' &");
    expect(inside).toContain('for p in 1F90;');
    expect(inside.endsWith('exec "$@"')).toBe(true);
  });
});

describe('sandboxDecision', () => {
  it('runs sandboxed where it can; without one under auto or off; never without one under on', () => {
    expect(['off', 'auto', 'on'].map((m) => sandboxDecision(m as 'off', null))).toEqual(['no', 'yes', 'yes']);
    expect(['off', 'auto', 'on'].map((m) => sandboxDecision(m as 'off', 'bwrap is not installed'))).toEqual(['no', 'no', 'refuse']);
  });
});

describe('sandboxArgv with remote hosts', () => {
  it('starts the allow-listed proxy outside, relays it inside, and offers it as HTTPS_PROXY with loopback left direct', () => {
    const proxy = { socket: '/state/sessions/s1/net/proxy.s', allow: ['api.anthropic.com:443'], port: 43128, command: ['/usr/bin/node', '/opt/agentpool/dist/sandbox/proxy.js'], log: '/state/sessions/s1/net/denied.log' };
    const argv = sandboxArgv({ ...layout, proxy }, ['claude']);
    expect(argv[2]).toContain("setpriv --pdeathsig TERM '/usr/bin/node' '/opt/agentpool/dist/sandbox/proxy.js' '/state/sessions/s1/net/proxy.s' 'api.anthropic.com:443' </dev/null >/dev/null 2>>'/state/sessions/s1/net/denied.log' &");
    const env = (k: string) => argv[argv.findIndex((a, i) => a === '--setenv' && argv[i + 1] === k) + 2];
    expect([env('HTTPS_PROXY'), env('https_proxy'), env('HTTP_PROXY'), env('NO_PROXY')]).toEqual(['http://127.0.0.1:43128', 'http://127.0.0.1:43128', 'http://127.0.0.1:43128', '127.0.0.1,localhost']);
    expect(argv[argv.length - 3]).toContain("socat 'TCP-LISTEN:43128,bind=127.0.0.1,fork,reuseaddr' 'UNIX-CONNECT:/state/sessions/s1/net/proxy.s,retry=300,interval=0.01' &");
  });
});
