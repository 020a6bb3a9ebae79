import { shellQuote } from '../agents/launch.js';

/** What one sandboxed agent may see and do, as absolute paths that exist (src/sandbox/layout.ts finds them). */
export interface SandboxLayout {
  /** Where the agent starts. */
  cwd: string;
  /** What it may write. */
  writable: string[];
  /** What it reads inside a hidden place (its session's own files): bound back read-only. */
  readable: string[];
  /** What it may not read: folders show empty, files empty. */
  hiddenDirs: string[];
  hiddenFiles: string[];
  /** Loopback addresses it may connect to, each through a UNIX socket of its session (`socket`). */
  forwards: Array<{ host: string; port: number; socket: string }>;
}

/**
 * Pure: the argv that runs `argv` in a bubblewrap sandbox laid out as `l`. The whole file system read-only,
 * a private /tmp, then each rule by depth (a deeper path's rule wins over its folder's): hidden (an empty
 * read-only folder), read-only, writable. Its own pid, IPC and network namespaces and no capabilities: it cannot signal a process outside,
 * and its network has only a loopback on which socat listens for each allowed address, relaying through a
 * UNIX socket to a socat outside that connects to the real one (ended with the sandbox: setpriv --pdeathsig).
 */
export function sandboxArgv(l: SandboxLayout, argv: readonly string[]): string[] {
  const rules: Array<{ path: string; rank: number; args: string[] }> = [
    ...l.hiddenDirs.map((p) => ({ path: p, rank: 0, args: ['--tmpfs', p] })),
    ...l.hiddenFiles.map((p) => ({ path: p, rank: 0, args: ['--ro-bind', '/dev/null', p] })),
    ...l.readable.map((p) => ({ path: p, rank: 1, args: ['--ro-bind', p, p] })),
    ...l.writable.map((p) => ({ path: p, rank: 2, args: ['--bind', p, p] })),
  ];
  const depth = (p: string) => p.split('/').filter(Boolean).length;
  rules.sort((a, b) => depth(a.path) - depth(b.path) || a.rank - b.rank);
  const bwrap = [
    'bwrap', '--die-with-parent', '--unshare-pid', '--unshare-ipc', '--unshare-net', '--cap-drop', 'ALL',
    '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp',
    ...rules.flatMap((r) => r.args),
    // The hidden folders read-only too, once what is bound inside them is: nothing written there leaves a trace a person could mistake.
    ...l.hiddenDirs.flatMap((p) => ['--remount-ro', p]),
    '--chdir', l.cwd,
    '--', '/bin/sh', '-c', insideScript(l.forwards), 'agentpool-sandbox', ...argv,
  ];
  if (l.forwards.length === 0) return bwrap;
  return ['/bin/sh', '-c', outsideScript(l.forwards), 'agentpool-sandbox', ...bwrap];
}

/** Outside: a relay per allowed address, from its UNIX socket to the address, ended with the sandbox. */
function outsideScript(forwards: SandboxLayout['forwards']): string {
  const relays = forwards.map((f) => `setpriv --pdeathsig TERM socat ${shellQuote(`UNIX-LISTEN:${f.socket},fork,unlink-early,mode=600`)} ${shellQuote(`TCP:${f.host}:${f.port}`)} &`);
  return [...relays, 'exec "$@"'].join('\n');
}

/** Inside: a listener per allowed address on the sandbox's loopback, up before the agent starts (1 s at most). */
function insideScript(forwards: SandboxLayout['forwards']): string {
  if (forwards.length === 0) return 'exec "$@"';
  const listeners = forwards.map((f) => `socat ${shellQuote(`TCP-LISTEN:${f.port},bind=${loopback(f.host)},fork,reuseaddr`)} ${shellQuote(`UNIX-CONNECT:${f.socket}`)} &`);
  const ports = forwards.map((f) => f.port.toString(16).toUpperCase().padStart(4, '0'));
  const wait = `for p in ${ports.join(' ')}; do i=0; while ! grep -q ":$p 00000000:0000 0A" /proc/net/tcp && [ $i -lt 100 ]; do sleep 0.01; i=$((i+1)); done; done`;
  return [...listeners, wait, 'exec "$@"'].join('\n');
}

const loopback = (host: string) => (host === 'localhost' ? '127.0.0.1' : host);
