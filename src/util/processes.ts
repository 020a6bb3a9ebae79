import { readdir, readFile, readlink } from 'node:fs/promises';

/** One process as the system lists it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Its session id (`setsid`), where the system says (Linux); null elsewhere. */
  sid: number | null;
  uid: number | null;
  /** Its argv, exact from /proc; split on spaces from `ps` elsewhere. */
  argv: string[];
}

/**
 * The processes of this machine, as a loader for pure code to judge: /proc on Linux (no fork, exact argv),
 * `ps` elsewhere. A process that ends while it is read is left out.
 */
export async function listProcesses(): Promise<ProcessInfo[]> {
  const pids = await readdir('/proc').then((names) => names.filter((n) => /^\d+$/.test(n)), () => null);
  if (pids === null) return listWithPs();
  const out = await Promise.all(pids.map((p) => procEntry(Number(p)).catch(() => null)));
  return out.filter((p): p is ProcessInfo => p !== null);
}

async function procEntry(pid: number): Promise<ProcessInfo> {
  const [stat, cmdline, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/cmdline`, 'utf8'),
    readFile(`/proc/${pid}/status`, 'utf8'),
  ]);
  // pid (comm) state ppid pgrp session …; comm may hold spaces and parentheses: read after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
  const argv = cmdline.split('\0');
  if (argv.at(-1) === '') argv.pop();
  return { pid, ppid: Number(fields[1]), sid: Number(fields[3]), uid: uid === undefined ? null : Number(uid), argv };
}

async function listWithPs(): Promise<ProcessInfo[]> {
  const { execa } = await import('execa');
  const r = await execa('ps', ['-A', '-o', 'pid=,ppid=,uid=,command='], { reject: false });
  return String(r.stdout).split('\n').flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    return m ? [{ pid: Number(m[1]), ppid: Number(m[2]), sid: null, uid: Number(m[3]), argv: m[4]!.split(' ') }] : [];
  });
}

/** One variable of a process's environment, where the system shows it (Linux, our own processes); else null. */
export async function processEnvVar(pid: number, name: string): Promise<string | null> {
  const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => null);
  if (env === null) return null;
  const entry = env.split('\0').find((e) => e.startsWith(`${name}=`));
  return entry === undefined ? null : entry.slice(name.length + 1);
}

/**
 * The processes that hold a Unix socket bound to `path` (a server listening on it, and its accepted
 * connections), found through /proc/net/unix and each process's descriptors. Linux only: [] elsewhere.
 */
export async function socketHolders(path: string, among: readonly ProcessInfo[]): Promise<number[]> {
  const table = await readFile('/proc/net/unix', 'utf8').catch(() => '');
  const inodes = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 8 && f.slice(7).join(' ') === path) inodes.add(`socket:[${f[6]}]`);
  }
  if (inodes.size === 0) return [];
  const holders: number[] = [];
  await Promise.all(among.map(async (p) => {
    const fds = await readdir(`/proc/${p.pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      if (inodes.has(await readlink(`/proc/${p.pid}/fd/${fd}`).catch(() => ''))) {
        holders.push(p.pid);
        return;
      }
    }
  }));
  return holders.sort((a, b) => a - b);
}
