import type { DesiredState } from '../config/types.js';
import { shellQuote } from '../agents/launch.js';
import type { CliValues } from './main.js';

/** `agentpool WORDS` as the user ran agentpool: with the --config they gave, so a hint runs as printed. */
export function agentpoolCommand(v: Pick<CliValues, 'config'>, words: string): string {
  return `agentpool ${words}${v.config ? ` --config ${shellQuote(v.config)}` : ''}`;
}

/**
 * How to look at a pool session from this shell, and how to come back. Inside the user's own tmux ($TMUX
 * set) tmux refuses to attach unless TMUX is unset, and the prefix goes to the outer tmux first: C-b C-b d
 * detaches from the pool's session and leaves the user's own where it was.
 */
export function attachHint(d: DesiredState, session: string, env: NodeJS.ProcessEnv = process.env): string {
  const server = 'socket' in d.tmux ? `-L ${shellQuote(d.tmux.socket)}` : `-S ${shellQuote(d.tmux.socketPath)}`;
  return env.TMUX
    ? `TMUX= tmux ${server} attach -t ${session} (you are inside tmux: detach with C-b C-b d, which leaves your own session as it was)`
    : `tmux ${server} attach -t ${session} (detach with C-b d)`;
}
