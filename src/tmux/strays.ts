import { existsSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { listProcesses, processEnvVar, socketHolders, type ProcessInfo } from '../util/processes.js';
import { endProcess } from '../util/pid.js';
import { socketArgs, socketFile, type TmuxSocket } from './client.js';

/**
 * The variable every command channel is started with: the pid of the controller that started it. A channel
 * whose parent is no longer that pid outlived its controller.
 */
export const CHANNEL_OWNER_VAR = 'AGENTPOOL_CHANNEL_OF';

/** The flags a controller's command channel attaches with (`-C attach-session -f no-output,ignore-size`). */
export const CHANNEL_FLAGS = 'no-output,ignore-size';

/**
 * The flags a dashboard's screen viewer attaches with (src/tmux/pane-viewer.ts): read-only, never sizing
 * the pane, paused by tmux when it falls 2 s behind. Started the same way, and swept the same way.
 */
export const VIEWER_FLAGS = 'read-only,ignore-size,pause-after=2';

/**
 * How to start a command channel so that it ends with the process that started it, even one killed with
 * SIGKILL: its stdin is our pipe, but tmux hands the client's descriptors to the server, so the EOF of a
 * dead controller never reaches the client, and a server told to exit then waits for it forever (it
 * refuses every new client meanwhile: "server exited unexpectedly"). On Linux, util-linux's `setpriv
 * --pdeathsig` asks the kernel to send the client SIGTERM when its parent dies; elsewhere the sweep
 * (findStrayChannels) is what ends it.
 */
export function channelCommand(binary: string, args: readonly string[], env: Record<string, string>): { file: string; args: string[]; env: Record<string, string> } {
  const withOwner = { ...env, [CHANNEL_OWNER_VAR]: String(process.pid) };
  const setpriv = process.platform === 'linux' ? onPath('setpriv', env.PATH ?? '') : null;
  return setpriv ? { file: setpriv, args: ['--pdeathsig', 'TERM', binary, ...args], env: withOwner } : { file: binary, args: [...args], env: withOwner };
}

function onPath(program: string, pathVar: string): string | null {
  for (const dir of pathVar.split(delimiter).filter(Boolean)) if (existsSync(join(dir, program))) return join(dir, program);
  return null;
}

/** Whether `argv` is a controller's command channel (or a dashboard's screen viewer) on `socket`. */
export function isChannelOf(argv: readonly string[], socket: TmuxSocket): boolean {
  const [flag, name] = socketArgs(socket);
  const at = argv.findIndex((a, i) => a === flag && argv[i + 1] === name);
  return at > 0 && basename(argv[0]!).startsWith('tmux') && argv.includes('-C') && argv.includes('attach-session') && (argv.includes(CHANNEL_FLAGS) || argv.includes(VIEWER_FLAGS));
}

/**
 * Pure: which of `channels` (command channels on our socket, with the owner each was started for, null
 * when it carries none) lost their controller. With an owner: its parent is no longer that process (it
 * was reparented when the controller died, whatever the pid of the new parent). Without (a channel of an
 * older agentpool, or where the environment cannot be read): its parent is init.
 */
export function strays(channels: ReadonlyArray<{ proc: ProcessInfo; owner: number | null }>): ProcessInfo[] {
  return channels.filter(({ proc, owner }) => (owner !== null ? proc.ppid !== owner : proc.ppid === 1)).map((c) => c.proc);
}

/** The command channels on `socket` of this user whose controller is gone. */
export async function findStrayChannels(socket: TmuxSocket): Promise<ProcessInfo[]> {
  const uid = process.getuid?.() ?? null;
  const mine = (await listProcesses()).filter((p) => (uid === null || p.uid === null || p.uid === uid) && p.pid !== process.pid && isChannelOf(p.argv, socket));
  const withOwner = await Promise.all(mine.map(async (proc) => {
    const owner = await processEnvVar(proc.pid, CHANNEL_OWNER_VAR);
    return { proc, owner: owner && /^\d+$/.test(owner) ? Number(owner) : null };
  }));
  return strays(withOwner);
}

/** Ends the stray command channels on `socket` (see findStrayChannels); returns the pids it ended. */
export async function endStrayChannels(socket: TmuxSocket): Promise<number[]> {
  const found = await findStrayChannels(socket);
  await Promise.all(found.map((p) => endProcess(p.pid)));
  return found.map((p) => p.pid);
}

/**
 * The pid of the server listening on `socket` (the process holding its socket file), found without
 * asking the server, which may refuse or not answer; null when none is found (or not on Linux).
 */
export async function findServer(socket: TmuxSocket): Promise<number | null> {
  const uid = process.getuid?.() ?? null;
  const mine = (await listProcesses()).filter((p) => uid === null || p.uid === null || p.uid === uid);
  const holders = await socketHolders(socketFile(socket), mine);
  return holders[0] ?? null;
}
