import type { ResultPromise } from 'execa';

/**
 * Lets go of a child's pipes `ms` after it started if it has not finished by then. A process that handed
 * its stdout to another (a tmux client to a stopped server, a hook that left a background job holding
 * stderr) keeps the pipe open after execa killed it at its timeout, and execa waits for the end of the pipe.
 * Give a `ms` past the child's own timeout. Returns the child's result.
 */
export async function withReleasedPipes<T>(child: ResultPromise & Promise<T>, ms: number): Promise<T> {
  const release = setTimeout(() => [child.stdin, child.stdout, child.stderr].forEach((s) => s?.destroy()), ms);
  try {
    return await child;
  } finally {
    clearTimeout(release);
  }
}
