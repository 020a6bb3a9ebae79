import { execFile } from 'node:child_process';
import { findExecutable } from '../util/which.js';

/** The programs a sandbox needs: bubblewrap for the namespaces and mounts, socat and setpriv for allowed connections. */
const PROGRAMS = [
  ['bwrap', 'bubblewrap'],
  ['socat', 'socat'],
  ['setpriv', 'util-linux'],
] as const;

let cached: { at: number; problem: Promise<string | null> } | null = null;
const RECHECK_MS = 60_000;

/**
 * Why no sandbox can start on this machine, or null when one can: a program missing, or bubblewrap refused
 * (no user namespaces in a container, a seccomp profile). Asked again at most once a minute, so a person
 * who installs bubblewrap sees it taken without a restart.
 */
export function sandboxProblem(now = Date.now()): Promise<string | null> {
  if (!cached || now - cached.at > RECHECK_MS) cached = { at: now, problem: probe() };
  return cached.problem;
}

async function probe(): Promise<string | null> {
  for (const [program, pkg] of PROGRAMS) {
    if (!(await findExecutable(program, process.env.PATH ?? ''))) return `${program} is not installed (Debian: apt-get install ${pkg}); the sandbox needs it`;
  }
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', '--unshare-net', '--cap-drop', 'ALL', '--', '/bin/true'];
  return new Promise((resolve) => {
    execFile('bwrap', args, { timeout: 5_000 }, (err, _out, stderr) => {
      resolve(err ? `bubblewrap cannot start a sandbox here: ${(String(stderr).trim() || err.message).split('\n')[0]} (a container without user namespaces? run it with --privileged or allow them, or set sandbox: off)` : null);
    });
  });
}

/** Forgets the last answer (tests that take the sandbox away). */
export function forgetSandboxProbe(): void {
  cached = null;
}
