import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { claudeConfigFile, isFolderTrusted } from '../agents/claude-trust.js';
import { parseCliVersion, TESTED_CLIS } from '../agents/cli-versions.js';
import { agentsInUse } from '../config/rules-agents.js';
import type { AgentProfile, DesiredState } from '../config/types.js';
import { ExecTmuxClient, tmuxEnv } from '../tmux/exec-client.js';
import { isTmuxError } from '../tmux/errors.js';
import { findStrayChannels } from '../tmux/strays.js';
import { isDirectory } from '../util/fs.js';
import { agentPath, agentProgram } from '../agents/program.js';
import { findExecutable } from '../util/which.js';
import type { AgentFacts, Facts } from './checks.js';
import { taskWorktrees } from '../git/task-worktrees.js';
import { sandboxModes } from '../sandbox/policy.js';
import { redisFacts } from '../fleet/redis-facts.js';
import { sandboxProblem } from '../sandbox/probe.js';

/** Looks at the machine for `agentpool doctor`: tmux, every agent in use and its settings, the projects. */
export async function gatherFacts(file: string, d: DesiredState | null, configError: string | undefined): Promise<Facts> {
  const facts: Facts = {
    config: { file, ...(configError !== undefined ? { error: configError } : {}) },
    tmux: { version: await versionOf('tmux', ['-V'], tmuxEnv()) },
    uid: process.getuid?.() ?? -1,
    agents: [],
    projects: [],
  };
  if (!d) return facts;
  if (facts.tmux.version !== null) facts.server = await gatherServer(d);
  facts.agents = await Promise.all(agentsInUse(d).map((name) => gatherAgent(d.agents[name]!)));
  if (facts.agents.some((a) => a.driver === 'gemini-hooks')) facts.stateDirOpenAt = await openAncestor(d.controller.stateDir);
  facts.sandbox = { modes: sandboxModes(d), problem: await sandboxProblem() };
  if (d.fleet) facts.redis = await redisFacts(d.fleet.redis);
  const claude = facts.agents.find((a) => a.claude);
  const worktrees = await taskWorktrees(d).catch(() => []);
  facts.projects = await Promise.all(
    d.projects.map(async (p) => ({
      path: p.path,
      exists: await isDirectory(p.path),
      trustOption: p.trust,
      trusted: claude ? await isFolderTrusted(claudeConfigFile(claude.env), p.path).catch(() => false) : false,
      orphanedWorktrees: worktrees.filter((w) => w.project === p.name && w.state === 'orphaned').map((w) => w.path),
    })),
  );
  return facts;
}

/** How the pool's tmux server answers one listing (with a short deadline), and the stray channels on its socket. */
async function gatherServer(d: DesiredState): Promise<NonNullable<Facts['server']>> {
  const client = new ExecTmuxClient(d.tmux, 'tmux', 5_000);
  const strays = (await findStrayChannels(d.tmux).catch(() => [])).map((p) => p.pid);
  try {
    await client.run(['list-sessions', '-F', '#{session_id}']);
    return { label: client.label, answer: 'ok', message: '', strays };
  } catch (err) {
    if (!isTmuxError(err)) throw err;
    const answer = err.kind === 'no-server' ? 'none' : err.kind === 'refused' || err.kind === 'timeout' ? err.kind : 'failed';
    return { label: client.label, answer, message: err.message, strays };
  }
}

/** What doctor learns of one agent profile: its program, its version, and for Claude Code its settings. */
async function gatherAgent(profile: AgentProfile): Promise<AgentFacts> {
  const claude = profile.folderTrust === 'claude-json';
  const env = { ...process.env, ...profile.env };
  const command = agentProgram(profile);
  const path = await findExecutable(command, agentPath(profile));
  // Only a program doctor knows is run, for its version: never a generic profile's command (a person's own
  // script, which may do anything), nor the fake agent's Node.
  const versionAsked = path !== null && TESTED_CLIS[profile.driver]?.cli === basename(path);
  const versionText = versionAsked ? await versionOf(path, ['--version'], env) : null;
  const agent: AgentFacts = {
    name: profile.name, driver: profile.driver, command, path, claude, versionAsked, versionText, version: versionText ? parseCliVersion(versionText) : null, env,
    skipsPermissions: profile.command.includes('--dangerously-skip-permissions'),
  };
  if (claude) {
    const cfgFile = claudeConfigFile(env);
    agent.claudeConfig = { file: cfgFile, ...(await readJson(cfgFile)) };
    // Claude Code's own folder: settings.json and a saved login.
    const dir = env.CLAUDE_CONFIG_DIR || join(env.HOME || homedir(), '.claude');
    agent.claudeSettings = (await readJson(join(dir, 'settings.json'))).json;
    agent.credentialsFile = await stat(join(dir, '.credentials.json')).then(() => true, () => false);
  }
  return agent;
}

/** The first folder from `dir` up (the nearest existing one first) that its group or others may write, or null. */
async function openAncestor(dir: string): Promise<string | null> {
  for (let at = resolve(dir); ; at = dirname(at)) {
    const st = await stat(at).catch(() => null);
    if (st && (st.mode & 0o022) !== 0) return at;
    if (dirname(at) === at) return null;
  }
}

async function versionOf(cmd: string, args: string[], env: Record<string, string | undefined>): Promise<string | null> {
  const r = await execa(cmd, args, { reject: false, timeout: 15_000, env: env as Record<string, string>, extendEnv: false, stdin: 'ignore' });
  return r.exitCode === 0 && String(r.stdout).trim() ? String(r.stdout).trim() : null;
}

async function readJson(file: string): Promise<{ json: Record<string, any> | null; error?: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? { json: null } : { json: null, error: (err as Error).message };
  }
  try {
    const v = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? { json: v } : { json: null, error: 'not a JSON object' };
  } catch (err) {
    return { json: null, error: `not valid JSON: ${(err as Error).message}` };
  }
}
