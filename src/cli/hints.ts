import { shellQuote } from '../agents/launch.js';
import type { CliValues } from './main.js';

/** `agentpool WORDS` as the user ran agentpool: with the --config they gave, so a hint runs as printed. */
export function agentpoolCommand(v: Pick<CliValues, 'config'>, words: string): string {
  return `agentpool ${words}${v.config ? ` --config ${shellQuote(v.config)}` : ''}`;
}

/** How to watch a pool session from here: `agentpool attach`, which knows whether this shell is inside tmux. */
export function attachHint(v: Pick<CliValues, 'config'>, session: string): string {
  return `${agentpoolCommand(v, `attach ${session}`)} (read-only)`;
}
