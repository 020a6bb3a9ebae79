// Shared by the benches: a private world (temp dir, unique tmux socket under a private TMUX_TMPDIR) and a
// controller child process whose JSON log is collected. Kills only the tmux server it started.
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

let worlds = 0;

/**
 * `transport` and `prewarm` as in the config (control and on by default, as for users); `agent` names a
 * profile of the config (`quick`, the fake agent with `agentEnv`, by default); `isolation: 'worktree'` makes
 * the project a git repository with one commit whose tasks each run in a worktree of their own.
 */
export function world({ size, agentEnv = {}, extra = '', transport = 'control', prewarm = true, agent = 'quick', resync = '1s', suffix = null, isolation = 'none' }) {
  const dir = mkdtempSync(join(tmpdir(), 'agentpool-bench-'));
  const tmuxDir = (process.env.TMUX_TMPDIR = mkdtempSync(join(tmpdir(), 'agentpool-bench-tmux-')));
  delete process.env.TMUX;
  delete process.env.TMUX_PANE;
  const socket = `apbench-${process.pid}-${++worlds}`;
  // A bench that crashes still ends its own tmux server (and the agents in it), and only that one.
  process.on('exit', () => spawnSync('tmux', ['-L', socket, 'kill-server'], { env: { ...process.env, TMUX_TMPDIR: tmuxDir }, stdio: 'ignore' }));
  const project = join(dir, 'project');
  mkdirSync(join(project, '.agent-queue', 'inbox'), { recursive: true });
  if (isolation === 'worktree') {
    writeFileSync(join(project, '.gitignore'), '.agent-queue/\n');
    const git = (...args) => spawnSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', ...args], { cwd: project, stdio: 'ignore' });
    git('init', '--quiet', '--initial-branch=main');
    git('add', '.');
    git('commit', '--quiet', '-m', 'base');
  }
  const configFile = join(dir, 'desired-state.yaml');
  const env = Object.entries({ FAKE_AGENT_LOG: join(dir, 'fake-agent.log'), ...agentEnv }).map(([k, v]) => `      ${k}: ${JSON.stringify(String(v))}`).join('\n');
  const fakeLog = join(dir, 'fake-agent.log');
  // Made now, so the agents may write it from their sandbox (sandbox: auto, as users run them).
  writeFileSync(fakeLog, '');
  writeFileSync(configFile, `tmux: { socket: ${socket}, transport: ${transport} }
pool:
  prefix: b-
  size: ${size}
  agent: ${agent}
  prewarm: ${prewarm}
  cooldown: { afterTask: 0ms, afterFailure: 100ms }
  sandbox: { mode: auto, write: [${JSON.stringify(fakeLog)}] }
agents:
  quick:
    extends: fake
    env:
${env}
  # An agent with no cost of its own: a shell that shows a prompt, takes one line, says it works and exits 0.
  instant:
    extends: generic
    command: [sh, -c, "printf '\\\\033[H\\\\033[2J> '; IFS= read -r task; echo working; exit 0"]
    screen: { ready: ['^> $'], busy: ['^working$'] }
    done: exit
projects:
  - path: ${JSON.stringify(project)}
    isolation: ${isolation}
tasks: { settle: 0ms, retryBackoff: 50ms, maxAttempts: 5${suffix === null ? '' : `, instructionSuffix: ${JSON.stringify(suffix)}`} }
controller: { resync: ${resync}, stateDir: ${JSON.stringify(join(dir, 'state'))} }
${extra}`);
  return {
    dir, project, configFile, socket, fakeLog,
    /** What the fake agents logged: one line per prompt received, with its own timestamp. */
    prompts() {
      try {
        return readFileSync(fakeLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      } catch {
        return [];
      }
    },
    drop(name, text) {
      const inbox = join(project, '.agent-queue', 'inbox');
      writeFileSync(join(inbox, `.${name}.tmp`), text);
      renameSync(join(inbox, `.${name}.tmp`), join(inbox, name));
    },
    controller() {
      const child = execa('node', [...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.PROF] : []), join(ROOT, 'bin/reconcile.js'), '--config', configFile, '--log-format', 'json'], { reject: false, buffer: false });
      const lines = [];
      createInterface({ input: child.stdout }).on('line', (l) => { try { lines.push(JSON.parse(l)); } catch {} });
      return { child, lines };
    },
    /** Ends the bench's tmux server and removes every folder and socket the bench made. */
    async cleanup() {
      await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
      rmSync(dir, { recursive: true, force: true });
      rmSync(tmuxDir, { recursive: true, force: true });
    },
  };
}

export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `everyMs` until it is truthy; throws after `ms` naming `what`. */
export async function until(probe, what, ms = 60_000, everyMs = 2) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** p50/p95/p99 of `values` as one line. */
export function spread(values) {
  return `p50 ${percentile(values, 0.5)} ms, p95 ${percentile(values, 0.95)} ms, p99 ${percentile(values, 0.99)} ms (n=${values.length})`;
}
