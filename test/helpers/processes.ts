/**
 * The processes a test run started, found by what they inherited: every process the run starts (workers,
 * controllers, tmux servers and clients, agents) has the run's sandbox in its environment, whoever its
 * parent is now. Linux's /proc only; elsewhere none are found.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface RunProcess {
  pid: number;
  ppid: number;
  command: string;
}

/** The processes other than this one whose environment has `entry` (`NAME=value`) exactly. */
export function processesWith(entry: string): RunProcess[] {
  const found: RunProcess[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
  for (const p of pids) {
    const pid = Number(p);
    if (pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(entry)) continue;
      // The parent is the 4th field of stat, after the command in parentheses (which may hold spaces).
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      found.push({ pid, ppid, command: readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}
