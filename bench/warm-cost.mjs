#!/usr/bin/env node
// What one idle warm agent costs (issue 21): for each shipped profile (fake, claude, codex, gemini), a pool of
// two slots with prewarm: 1 warms one agent; once it shows its prompt and has settled, its process tree is
// measured for WINDOW seconds: RSS and PSS (the tree's own share of pages it shares) at the end, CPU over the
// window (utime + stime of the tree, children it waited for included), and the idle slot beside it for a
// baseline. Offline: each real CLI talks to its loopback stand-in from test/helpers (compiled here with tsc)
// and runs from .cache/ (scripts/setup-claude.sh, scripts/setup-cli.sh codex|gemini); a CLI not installed
// is skipped with the reason. Prints the figures; asserts nothing.
//
//   node bench/warm-cost.mjs                   every profile, WINDOW=30 SETTLE=5 (seconds)
//   ONLY=claude node bench/warm-cost.mjs
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { ROOT, sleep, until } from './lib.mjs';

const WINDOW_S = Number(process.env.WINDOW ?? 30);
const SETTLE_S = Number(process.env.SETTLE ?? 5);
const ONLY = process.env.ONLY;
const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

await execa('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
const { SHIPPED_PROFILES } = await import(pathToFileURL(join(ROOT, 'dist/config/profiles.js')).href);

/** The loopback stand-ins of test/helpers, compiled for plain node. */
async function standIns() {
  const out = mkdtempSync(join(tmpdir(), 'agentpool-standins-'));
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  const files = ['fake-anthropic', 'fake-openai', 'fake-gemini'].map((f) => join(ROOT, 'test/helpers', `${f}.ts`));
  await execa('npx', ['--no-install', 'tsc', '--outDir', out, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node', ...files], { cwd: ROOT });
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  const load = (f) => import(pathToFileURL(join(out, `${f}.js`)).href);
  return { anthropic: (await load('fake-anthropic')).startFakeAnthropic, openai: (await load('fake-openai')).startFakeOpenAI, gemini: (await load('fake-gemini')).startFakeGemini };
}

function claudeExe() {
  const dir = join(ROOT, '.cache/claude-code/2.1.330/node_modules');
  const pkg = existsSync(dir) ? readdirSync(join(dir, '@anthropic-ai')).find((n) => n.startsWith('claude-code-')) : undefined;
  return pkg ? join(dir, '@anthropic-ai', pkg, 'claude') : null;
}

/** How each profile is run: its executable, its agent entry and a HOME prepared as its tests prepare it. */
const PROFILES = {
  fake: { exe: () => 'bundled', async agent() { return { extends: 'fake' }; } },
  claude: {
    exe: claudeExe,
    label: 'Claude Code 2.1.330',
    async agent({ exe, home, project, api }) {
      const key = 'sk-ant-api03-agentpool-test-key-0000000000';
      mkdirSync(join(home, '.claude'), { recursive: true });
      writeFileSync(join(home, '.claude.json'), JSON.stringify({
        hasCompletedOnboarding: true, theme: 'dark', customApiKeyResponses: { approved: [key.slice(-20)], rejected: [] },
        bypassPermissionsModeAccepted: true, projects: { [project]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } },
      }));
      writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify({ skipDangerousModePermissionPrompt: true }));
      return {
        command: [exe, ...SHIPPED_PROFILES.claude.command.slice(1)],
        env: { HOME: home, ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: key, DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', IS_SANDBOX: '1' },
      };
    },
  },
  codex: {
    exe: () => join(ROOT, '.cache/codex/0.171.0/node_modules/.bin/codex'),
    label: 'Codex CLI 0.171.0',
    async agent({ exe, home, api }) {
      mkdirSync(join(home, '.codex'), { recursive: true });
      writeFileSync(join(home, '.codex', 'config.toml'), [
        'model_provider = "standin"', 'check_for_update_on_startup = false', '[analytics]', 'enabled = false',
        '[features]', 'plugins = false', 'apps = false', 'remote_plugin = false', '[model_providers.standin]', 'name = "Stand-in"',
        `base_url = "${api.url}/v1"`, 'env_key = "STANDIN_API_KEY"', 'wire_api = "responses"', 'request_max_retries = 0', 'stream_max_retries = 0', '',
      ].join('\n'));
      return {
        command: [exe, ...SHIPPED_PROFILES.codex.command.slice(1)],
        env: { HOME: home, CODEX_HOME: join(home, '.codex'), STANDIN_API_KEY: 'sk-agentpool-test' },
        models: { critical: 'gpt-standin', high: 'gpt-standin', default: 'gpt-standin', low: 'gpt-standin-mini' },
      };
    },
  },
  gemini: {
    exe: () => join(ROOT, '.cache/gemini/0.61.0/node_modules/.bin/gemini'),
    label: 'Gemini CLI 0.61.0',
    async agent({ exe, home, api }) {
      mkdirSync(join(home, '.gemini'), { recursive: true });
      writeFileSync(join(home, '.gemini', 'settings.json'), JSON.stringify({
        security: { auth: { selectedType: 'gemini-api-key' } }, privacy: { usageStatisticsEnabled: false },
        general: { enableAutoUpdateNotification: false, enableAutoUpdate: false, maxAttempts: 1 },
      }));
      return { command: [exe, ...SHIPPED_PROFILES.gemini.command.slice(1)], env: { HOME: home, GEMINI_API_KEY: 'agentpool-test-key', GOOGLE_GEMINI_BASE_URL: api.url } };
    },
  },
};

/** Every process of the tree under `pid` (itself included), from /proc. */
function tree(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProc(name, 'stat');
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(name));
  }
  const out = [];
  for (const todo = [pid]; todo.length;) {
    const p = todo.pop();
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

function readProc(pid, file) {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null; // gone meanwhile
  }
}

/** CPU ticks (utime + stime + cutime + cstime) per process of the tree. */
function ticks(pids) {
  const out = new Map();
  for (const pid of pids) {
    const stat = readProc(pid, 'stat');
    if (!stat) continue;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(pid, Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
  }
  return out;
}

/** The tree's RSS and PSS in kB, and its process count. */
function memory(pids) {
  let rss = 0;
  let pss = 0;
  let n = 0;
  for (const pid of pids) {
    const rollup = readProc(pid, 'smaps_rollup');
    if (!rollup) continue;
    n++;
    rss += Number(rollup.match(/^Rss:\s+(\d+)/m)?.[1] ?? 0);
    pss += Number(rollup.match(/^Pss:\s+(\d+)/m)?.[1] ?? 0);
  }
  return { rss, pss, n };
}

async function measure(name, make) {
  const p = PROFILES[name];
  const exe = p.exe();
  if (!exe || (exe !== 'bundled' && !existsSync(exe))) return { name, skip: `not installed (${name === 'claude' ? 'bash scripts/setup-claude.sh' : `bash scripts/setup-cli.sh ${name}`})` };
  // Gemini CLI ignores a settings file below a folder others can write (the OS temp folder is one).
  const parent = join(homedir(), '.cache', 'agentpool-bench');
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(join(parent, `warm-${name}-`));
  const tmuxDir = mkdtempSync(join(tmpdir(), 'agentpool-bench-tmux-'));
  const socket = `apwarm-${process.pid}-${name}`;
  const tmuxEnv = { ...process.env, TMUX_TMPDIR: tmuxDir };
  delete tmuxEnv.TMUX;
  delete tmuxEnv.TMUX_PANE;
  const tmux = (...args) => execa('tmux', ['-L', socket, ...args], { env: tmuxEnv, reject: false });
  process.on('exit', () => spawnSync('tmux', ['-L', socket, 'kill-server'], { env: tmuxEnv, stdio: 'ignore' }));
  const project = join(dir, 'project');
  const home = join(dir, 'home');
  mkdirSync(project, { recursive: true });
  mkdirSync(home, { recursive: true });
  const api = make ? await make() : null;
  try {
    const agent = await p.agent({ exe, home, project: realpathSync(project), api });
    const configFile = join(dir, 'desired-state.yaml');
    writeFileSync(configFile, stringify({
      tmux: { socket },
      pool: { prefix: 'w-', size: 2, agent: name, prewarm: 1 },
      agents: { [name]: agent },
      projects: [{ path: realpathSync(project) }],
      controller: { resync: '1s', stateDir: join(dir, 'state') },
    }));
    const child = execa('node', [join(ROOT, 'bin/reconcile.js'), '--config', configFile, '--log-format', 'json'], { reject: false, buffer: false, env: { ...tmuxEnv, CI: 'false' } });
    const lines = [];
    child.stdout.on('data', (b) => { for (const l of String(b).split('\n')) { try { lines.push(JSON.parse(l)); } catch {} } });
    try {
      const warming = await until(() => lines.find((l) => l.to === 'warming'), `${name}: the warm-up`, 60_000, 20);
      const ready = await until(() => lines.find((l) => l.to === 'ready'), `${name}: the warm agent at its prompt`, 120_000, 20);
      const pane = async (s) => Number((await tmux('display-message', '-p', '-t', s, '#{pane_pid}')).stdout.trim());
      const warmPid = await pane(warming.session);
      const idlePid = await pane(warming.session === 'w-1' ? 'w-2' : 'w-1');
      await sleep(SETTLE_S * 1000);
      const before = ticks(tree(warmPid));
      const started = performance.now();
      await sleep(WINDOW_S * 1000);
      const seconds = (performance.now() - started) / 1000;
      const pids = tree(warmPid);
      const after = ticks(pids);
      let used = 0;
      for (const [pid, t] of after) used += t - (before.get(pid) ?? 0);
      const mem = memory(pids);
      const idle = memory(tree(idlePid));
      if (lines.some((l) => l.session === warming.session && l.from === 'ready')) throw new Error(`${name}: the warm agent left its prompt while measured`);
      return { name, label: p.label ?? 'the bundled fake agent', startMs: ready.time - warming.time, ...mem, cpu: (100 * used) / TICK / seconds, idle };
    } finally {
      child.kill('SIGTERM');
      await child;
    }
  } finally {
    await tmux('kill-server');
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(tmuxDir, { recursive: true, force: true });
  }
}

const si = await standIns();
const makers = { fake: null, claude: si.anthropic, codex: si.openai, gemini: si.gemini };
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
console.log(`one idle warm agent at its prompt, measured ${WINDOW_S} s after ${SETTLE_S} s to settle (CPU: % of one core)`);
for (const name of Object.keys(PROFILES)) {
  if (ONLY && ONLY !== name) continue;
  const r = await measure(name, makers[name]);
  if (r.skip) {
    console.log(`${name}: skipped, ${r.skip}`);
    continue;
  }
  console.log(`${name} (${r.label}): RSS ${mb(r.rss)}, PSS ${mb(r.pss)} in ${r.n} processes; CPU ${r.cpu.toFixed(2)} %; launch → ready ${r.startMs} ms; an idle slot: RSS ${mb(r.idle.rss)}`);
}
console.log(`(${new Date().toISOString().slice(0, 10)}, bench/warm-cost.mjs)`);
