/** The one error the tmux layer throws: what ran, what tmux said, and why it failed. */
export class TmuxError extends Error {
  override readonly name = 'TmuxError';
  readonly isTmuxError = true;
  constructor(
    message: string,
    readonly command: string,
    readonly args: readonly string[],
    readonly stderr: string,
    readonly exitCode: number | undefined,
    /**
     * What kind of failure: the binary is missing, no server runs, the server took the connection and
     * closed it (`refused`: it is exiting but a client holds it), the server did not answer in time, or the
     * command failed.
     */
    readonly kind: 'missing-binary' | 'no-server' | 'refused' | 'timeout' | 'failed',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isTmuxError(err: unknown): err is TmuxError {
  return typeof err === 'object' && err !== null && (err as { isTmuxError?: unknown }).isTmuxError === true;
}

/** tmux's own words for "there is no server on this socket". */
export function isNoServerMessage(stderr: string): boolean {
  return /no server running|error connecting to|No such file or directory/.test(stderr);
}

/**
 * tmux's words for "a server took the connection and closed it before answering": a server told to exit
 * that something still holds (a control client whose controller died), or one that is crashing. Not "no
 * server": a new session cannot be made there, and every command fails the same way until it is ended.
 */
export function isRefusedMessage(stderr: string): boolean {
  return /server exited unexpectedly|lost server/.test(stderr);
}
