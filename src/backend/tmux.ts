import { homedir } from 'node:os';
import { isTmuxError } from '../tmux/errors.js';
import { isStagingName } from '../tmux/commands.js';
import { endProcessGroup } from '../util/pid.js';
import type { TmuxClient } from '../tmux/client.js';
import { BackendError, TAG_NAMES, type BackendSession, type Program, type Repair, type SessionBackend, type SlotTags } from './session-backend.js';

/** What an idle pool session runs: nothing that reads input, so stray keys do no harm. */
export const IDLE_COMMAND = ['sh', '-c', 'echo "agentpool: idle pool session, waiting for a task"; exec tail -f /dev/null'];

/** The tmux session user option that holds each tag. */
export const TAG_OPTION: Record<keyof SlotTags, string> = {
  pool: '@agentpool-pool',
  slot: '@agentpool-slot',
  state: '@agentpool-state',
  task: '@agentpool-task',
  until: '@agentpool-until',
  agent: '@agentpool-agent',
};

/**
 * Sessions as tmux sessions of one pane, on one server. A ref is `<session id>/<pane id>`: every command
 * targets by id, never by name or "the current pane". It remembers the sessions it created (by server pid
 * and session id, which restart at $0 with a new server) so they stay ours even if a tag is lost.
 */
export class TmuxBackend implements SessionBackend {
  readonly label: string;
  private readonly created = new Set<string>();

  constructor(private readonly tmux: TmuxClient) {
    this.label = tmux.label;
  }

  async list(): Promise<BackendSession[]> {
    const panes = await guard(() => this.tmux.listPanes(Object.values(TAG_OPTION)));
    const seen = new Set<string>();
    const out: BackendSession[] = [];
    for (const p of panes) {
      if (seen.has(p.sessionId)) continue; // pool sessions have one pane; the first one is the agent's
      // One being made is agentpool's, half-made (ours now, or a dead controller's that newSession replaces):
      // not a session of anyone else's, nor one to adopt.
      if (isStagingName(p.sessionName)) continue;
      seen.add(p.sessionId);
      out.push({
        name: p.sessionName,
        ref: `${p.sessionId}/${p.paneId}`,
        tags: Object.fromEntries(TAG_NAMES.map((t) => [t, p.options[TAG_OPTION[t]] ?? ''])) as unknown as SlotTags,
        process: { dead: p.paneDead, status: p.paneDeadStatus, signal: p.paneDeadSignal, pid: p.panePid },
        createdHere: this.created.has(`${p.serverPid}/${p.sessionId}`),
      });
    }
    return out;
  }

  async create(name: string, tags: Partial<SlotTags>): Promise<string> {
    const ids = await guard(() => this.tmux.newSession({ name, cwd: homedir(), command: IDLE_COMMAND, options: options(tags) }));
    this.created.add(`${ids.serverPid}/${ids.sessionId}`);
    return `${ids.sessionId}/${ids.paneId}`;
  }

  destroy(ref: string): Promise<void> {
    return this.replacing(ref, () => this.tmux.killSession(ids(ref).session));
  }

  start(ref: string, p: Program): Promise<void> {
    return this.replacing(ref, () => this.tmux.respawnPane(ids(ref).pane, { cwd: p.cwd, command: p.argv, ...(p.env ? { env: p.env } : {}) }));
  }

  rest(ref: string): Promise<void> {
    return this.replacing(ref, () => this.tmux.respawnPane(ids(ref).pane, { cwd: homedir(), command: IDLE_COMMAND }));
  }

  /**
   * Replaces or kills a pane's program, and makes sure it ends: a program that ignores the SIGHUP tmux
   * sends (Gemini CLI) would otherwise run on without a pane.
   */
  private async replacing(ref: string, act: () => Promise<void>): Promise<void> {
    const pid = (await this.tmux.panePid?.(ids(ref).pane).catch(() => null)) ?? null;
    await guard(act);
    if (pid !== null) endProcessGroup(pid);
  }

  deliver(ref: string, pieces: readonly string[]): Promise<void> {
    return guard(() => this.tmux.pasteTexts(ids(ref).pane, pieces));
  }

  sendKeys(ref: string, keys: readonly string[]): Promise<void> {
    return guard(() => this.tmux.sendKeys(ids(ref).pane, keys));
  }

  readScreen(ref: string, o: { history?: number } = {}): Promise<string> {
    return guard(() => this.tmux.capturePane(ids(ref).pane, o.history));
  }

  setTags(ref: string, tags: Partial<SlotTags>): Promise<void> {
    return guard(() => this.tmux.setOptions(ids(ref).session, options(tags)));
  }

  async close(): Promise<void> {
    await this.tmux.close?.();
  }

  async repair(how: Repair): Promise<string[]> {
    if (how === 'strays') {
      const pids = await this.tmux.endStrayChannels();
      return pids.length ? [`ended ${pids.length === 1 ? 'a command channel' : `${pids.length} command channels`} left attached by a controller that is gone (pid ${pids.join(', ')})`] : [];
    }
    const pid = await this.tmux.endServerProcess();
    return pid !== null
      ? [`ended the tmux server (pid ${pid}) of ${this.label}; its sessions went with it, and a new server is started`]
      : [`found no process holding the socket of ${this.label} to end; end the tmux server by hand (ps -o pid,stat,args -C tmux)`];
  }

  endHost(): Promise<void> {
    return guard(() => this.tmux.killServer());
  }

  onChange(listener: () => void): void {
    this.tmux.onChange?.(listener);
  }
}

/** The tmux options for `tags`. */
function options(tags: Partial<SlotTags>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [TAG_OPTION[k as keyof SlotTags], v ?? '']));
}

function ids(ref: string): { session: string; pane: string } {
  const [session, pane] = ref.split('/');
  if (!session?.startsWith('$') || !pane?.startsWith('%')) throw new BackendError(`not a tmux session ref: ${ref}`, 'failed');
  return { session, pane };
}

/** tmux's errors as the port's: a missing binary is `unavailable` (nothing works until it is installed). */
async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!isTmuxError(err)) throw err;
    const kind = err.kind === 'missing-binary' ? 'unavailable' : err.kind === 'timeout' ? 'timeout' : 'failed';
    throw new BackendError(err.message, kind, { cause: err });
  }
}
