/**
 * The processes a test run started, found by what they inherited: every process the run starts (workers,
 * controllers, tmux servers and clients, agents) has the run's sandbox in its environment, whoever its
 * parent is now. Linux's /proc only; elsewhere none are found.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface RunProcess {
  pid: number;
  ppid: number;
  /** How long it has run, in whole seconds. */
  ageSeconds: number;
  command: string;
}

/** Clock ticks a second in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS = 100;

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
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      // The start time is the 22nd field, the 20th after the command: ticks after boot.
      const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
      const ageSeconds = Math.round(uptime - Number(fields[19]) / TICKS);
      found.push({ pid, ppid, ageSeconds, command: readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}
