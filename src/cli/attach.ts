import { execa } from 'execa';
import { createBackend } from '../backend/factory.js';
import { defaultConfigPath, loadDesired } from '../config/load.js';
import { socketArgs } from '../tmux/client.js';
import { tmuxEnv } from '../tmux/exec-client.js';
import { UsageError, type CliValues } from './main.js';

/**
 * `agentpool attach SESSION`: watch an agent's session, read-only unless --write (typing into an agent at
 * work is how a task gets two authors). From a plain shell it attaches this terminal; from a shell inside
 * the person's own tmux ($TMUX set) it opens a window there attached to the pool's server, so their own
 * session stays as it was: closing that window (or detaching, C-b C-b d) comes back to where they were.
 */
export async function attachCommand(v: CliValues, session: string | undefined): Promise<number> {
  if (!session) throw new UsageError('attach needs a session name, such as agent-1 (agentpool status lists them)');
  const d = await loadDesired(v.config ?? defaultConfigPath());
  const backend = createBackend(d);
  const names = (await backend.list()).map((s) => s.name);
  if (!names.includes(session)) throw new UsageError(`no session ${session} on ${backend.label}${names.length ? ` (sessions: ${names.join(', ')})` : ': no session runs there'}`, 1);
  const attach = ['tmux', ...socketArgs(d.tmux), 'attach-session', ...(v.write ? [] : ['-r']), '-t', `=${session}`];
  if (process.env.TMUX) {
    // The person's own tmux (their $TMUX): a new window running the attach, with TMUX unset for it.
    await execa('tmux', ['new-window', '-n', session, '--', 'env', '-u', 'TMUX', '-u', 'TMUX_PANE', ...attach], { stdin: 'ignore' });
    process.stdout.write(`opened a window "${session}" in your tmux, attached to ${backend.label}${v.write ? '' : ' read-only'}: close it, or detach with C-b C-b d, to come back\n`);
    return 0;
  }
  const r = await execa(attach[0]!, attach.slice(1), { stdio: 'inherit', env: tmuxEnv(), extendEnv: false, reject: false });
  return r.exitCode ?? 1;
}
