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
  /**
   * Remote hosts it may reach (`host:port`), through the allow-listed proxy (src/sandbox/proxy.ts) on
   * `socket`, which writes what it refused to `log`; offered inside as HTTPS_PROXY on 127.0.0.1:`port`.
   */
  proxy?: { socket: string; allow: string[]; port: number; command: string[]; log: string };
  /** Environment set inside (where the package managers keep their caches). */
  env?: Array<[string, string]>;
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
    ...(l.env ?? []).flatMap(([k, v]) => ['--setenv', k, v]),
    ...(l.proxy ? proxyEnv(l.proxy.port) : []),
    '--chdir', l.cwd,
    '--', '/bin/sh', '-c', insideScript(listened(l)), 'agentpool-sandbox', ...argv,
  ];
  if (l.forwards.length === 0 && !l.proxy) return bwrap;
  return ['/bin/sh', '-c', outsideScript(l), 'agentpool-sandbox', ...bwrap];
}

/** What listens on the sandbox's loopback: each allowed address, and the proxy. */
function listened(l: SandboxLayout): SandboxLayout['forwards'] {
  return [...l.forwards, ...(l.proxy ? [{ host: '127.0.0.1', port: l.proxy.port, socket: l.proxy.socket }] : [])];
}

/** HTTPS_PROXY and its kin in both cases, the loopback relays left direct. */
function proxyEnv(port: number): string[] {
  const url = `http://127.0.0.1:${port}`;
  const vars: Array<[string, string]> = [['HTTPS_PROXY', url], ['HTTP_PROXY', url], ['NO_PROXY', '127.0.0.1,localhost']];
  return vars.flatMap(([k, v]) => ['--setenv', k, v, '--setenv', k.toLowerCase(), v]);
}

/**
 * Outside: a relay per allowed loopback address, from its UNIX socket to the address, and the proxy for
 * remote hosts; all ended with the sandbox, none writing to the agent's screen. The sandbox starts at once,
 * without waiting for them to listen (the proxy takes a Node start, ~80 ms): a connection made inside
 * before its socket is there waits for it (insideScript), while the agent starts meanwhile.
 */
function outsideScript(l: SandboxLayout): string {
  const relays = l.forwards.map((f) => `setpriv --pdeathsig TERM socat ${shellQuote(`UNIX-LISTEN:${f.socket},fork,unlink-early,mode=600`)} ${shellQuote(`TCP:${f.host}:${f.port}`)} </dev/null >/dev/null 2>&1 &`);
  const proxy = l.proxy
    ? [`setpriv --pdeathsig TERM ${[...l.proxy.command, l.proxy.socket, ...l.proxy.allow].map(shellQuote).join(' ')} </dev/null >/dev/null 2>>${shellQuote(l.proxy.log)} &`]
    : [];
  // A socket left by the last agent is removed first, so it is not taken for this one's.
  const sockets = listened(l).map((f) => shellQuote(f.socket)).join(' ');
  return [`rm -f ${sockets}`, ...relays, ...proxy, 'exec "$@"'].join('\n');
}

/**
 * Inside: a listener per allowed address on the sandbox's loopback, up before the agent starts (1 s at
 * most). Each connection is relayed to its UNIX socket, waiting up to 3 s for the socket to be there (its
 * relay or proxy outside may still be starting).
 */
function insideScript(forwards: SandboxLayout['forwards']): string {
  if (forwards.length === 0) return 'exec "$@"';
  const listeners = forwards.map((f) => `socat ${shellQuote(`TCP-LISTEN:${f.port},bind=${loopback(f.host)},fork,reuseaddr`)} ${shellQuote(`UNIX-CONNECT:${f.socket},retry=300,interval=0.01`)} &`);
  const ports = forwards.map((f) => f.port.toString(16).toUpperCase().padStart(4, '0'));
  const wait = `for p in ${ports.join(' ')}; do i=0; while ! grep -q ":$p 00000000:0000 0A" /proc/net/tcp && [ $i -lt 500 ]; do sleep 0.002; i=$((i+1)); done; done`;
  return [...listeners, wait, 'exec "$@"'].join('\n');
}

const loopback = (host: string) => (host === 'localhost' ? '127.0.0.1' : host);
