import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULTS } from '../config/defaults.js';
import { stateDirFor } from '../config/normalize.js';
import { AGENTPOOL_DIR } from '../agents/launch.js';
import { socketFile } from '../tmux/client.js';
import { notARepository } from '../util/git.js';
import { findExecutable } from '../util/which.js';
import { defaultConfigPath } from '../config/load.js';
import { UsageError, type CliValues } from './main.js';

/** The agent CLIs init looks for on PATH, in the order it prefers them. */
const AGENT_CLIS = ['claude', 'codex', 'gemini'] as const;

/** What init found out about the folder and the machine, and what it writes from that. */
export interface InitFacts {
  folder: string;
  /** Null when the folder is a git repository (its tasks then get worktrees). */
  notGit: string | null;
  /** The first agent CLI found on PATH, or null. */
  agent: string | null;
  /** A tmux socket name no other pool uses; the default one when it is free. */
  socket: string;
  size: number;
}

/**
 * `agentpool init`: writes a commented desired-state.yaml for the current folder (or --config FILE), short
 * because every default is left out, and refuses to replace one that exists unless --force.
 */
export async function initCommand(v: CliValues): Promise<number> {
  const file = path.resolve(v.config ?? defaultConfigPath());
  if (existsSync(file) && !v.force) throw new UsageError(`${file} exists; edit it, or pass --force to replace it`, 1);
  const size = v.size === undefined ? 2 : Number(v.size);
  if (!Number.isInteger(size) || size < 1) throw new UsageError(`--size must be a whole number of sessions, 1 or more, got "${v.size}"`);
  const folder = process.cwd();
  const facts: InitFacts = {
    folder,
    notGit: await notARepository(folder),
    agent: v.agent ?? (await firstAgentOnPath(process.env.PATH ?? '')),
    socket: v.socket ?? freeSocket(),
    size,
  };
  await writeFile(file, initConfig(facts), { flag: v.force ? 'w' : 'wx' });
  const shown = path.relative(process.cwd(), file) || file;
  const config = file === defaultConfigPath() ? '' : ` --config ${shown}`;
  process.stdout.write([
    `wrote ${shown}: ${size} ${facts.agent ?? DEFAULTS.pool.agent} session${size === 1 ? '' : 's'} for ${folder}${facts.notGit ? '' : ', each task in its own git worktree'}`,
    ...(facts.agent ? [] : [`no agent CLI (${AGENT_CLIS.join(', ')}) is on PATH: install one, or set pool.agent in the file`]),
    'Next:',
    `  agentpool doctor${config}         # check tmux, the agent CLI and its settings`,
    `  agentpool reconcile${config}      # start the pool (Ctrl-C stops the controller; the agents keep running)`,
    `  echo "Fix the failing test" > .agent-queue/inbox/first-task.md`,
    '',
  ].join('\n'));
  return 0;
}

/** The YAML init writes: only what differs from the defaults, each with a comment saying what it is. */
export function initConfig(f: InitFacts): string {
  const agent = f.agent ?? DEFAULTS.pool.agent;
  const lines = [
    `# yaml-language-server: $schema=${path.join(AGENTPOOL_DIR, 'schemas', 'desired-state.schema.json')}`,
    `# agentpool's desired state, written by agentpool init. Every key, with its default and what it does:`,
    `# ${path.join(AGENTPOOL_DIR, 'desired-state.example.yaml')}`,
    '',
    '# How many agent sessions to keep, and which agent CLI runs in them (a profile: claude, codex, gemini, ...).',
    'pool:',
    `  size: ${f.size}`,
    ...(agent === DEFAULTS.pool.agent ? [] : [`  agent: ${agent}`]),
    '',
  ];
  if (f.socket !== DEFAULTS.tmux.socket) {
    lines.push(
      `# The pool's own tmux server (the default socket, ${DEFAULTS.tmux.socket}, is another pool's).`,
      'tmux:',
      `  socket: ${f.socket}`,
      '',
    );
  }
  lines.push(
    '# Task files (*.md) dropped into <path>/.agent-queue/inbox/ are given to the agents.',
    'projects:',
    `  - path: ${JSON.stringify(f.folder)}`,
    ...(f.notGit ? [] : ['    isolation: worktree   # each task on its own branch, in its own worktree']),
    '',
  );
  return lines.join('\n');
}

async function firstAgentOnPath(pathVar: string): Promise<string | null> {
  for (const cli of AGENT_CLIS) if (await findExecutable(cli, pathVar)) return cli;
  return null;
}

/**
 * The default socket, or `agentpool-2`, `-3`, ...: the first with neither a tmux server's socket nor an
 * agentpool state folder, so the new pool shares no server and no controller lock with another.
 */
export function freeSocket(env: NodeJS.ProcessEnv = process.env): string {
  for (let n = 1; ; n++) {
    const socket = n === 1 ? DEFAULTS.tmux.socket : `${DEFAULTS.tmux.socket}-${n}`;
    const state = stateDirFor({ tmux: { socket } }, 'desired-state.yaml', { HOME: env.HOME, XDG_STATE_HOME: env.XDG_STATE_HOME });
    if (!existsSync(socketFile({ socket }, env)) && !(state && existsSync(state))) return socket;
  }
}
