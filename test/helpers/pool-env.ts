/**
 * A throwaway world for driving the real CLI: a temp folder with a project and a config file, a private
 * tmux socket (guarded, see tmux-server.ts), and helpers to run `bin/reconcile.js` / `bin/agentpool.js` as
 * child processes or to keep a controller running in the background and read its JSON log.
 *
 * Nothing here sleeps to wait for something: callers poll with `waitFor` and a deadline.
 */
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { stringify } from 'yaml';
import { BUILT_ENV, buildDist } from './build.js';
import { testTmux, uniqueSocket, waitFor, type TestTmux } from './tmux-server.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BINS = { reconcile: join(REPO_ROOT, 'bin/reconcile.js'), agentpool: join(REPO_ROOT, 'bin/agentpool.js') } as const;

export interface RunResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as printed. */
  all: string;
}

/** One line of the controller's JSON log; `raw` is set for a line that was not JSON. */
export interface LogLine {
  level?: number;
  msg?: string;
  raw?: string;
  [key: string]: unknown;
}

export interface RunningController {
  /** The controller's process id. */
  readonly pid: number;
  /** Every stdout line so far, parsed; grows while the controller runs. */
  readonly lines: LogLine[];
  /** stderr so far (a crash shows up here). */
  stderr(): string;
  /** The exit code once the process has ended, else null. */
  exited(): { exitCode: number | undefined; signal: string | undefined } | null;
  /** Sends a signal and returns at once (stop() is the way to end it and wait). */
  signal(sig: NodeJS.Signals): void;
  /** Polls the log until a line matches; returns it. */
  waitForLine(pred: (l: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`, and `timedOut` is true). */
  stop(timeoutMs?: number): Promise<{ exitCode: number | undefined; signal: string | undefined; timedOut: boolean }>;
}

export interface Session {
  name: string;
  /** `@agentpool-pool` of the session, '' when unowned. */
  pool: string;
}

export interface PoolEnvOptions {
  size?: number;
  /** The folder the world's temp folder is made in (default: the OS temp folder). */
  parent?: string;
  dedicated?: string[];
  resync?: string;
}

/** The config as a plain object; `writeConfig` deep-merges patches into it. */
export type ConfigObject = Record<string, unknown>;

export interface PoolEnv {
  dir: string;
  project: string;
  configFile: string;
  socket: string;
  tmux: TestTmux;
  /** The config last written. */
  config: ConfigObject;
  /** The YAML text last written. */
  configText: string;
  /** Runs `node bin/<bin>.js ...args` to completion; never throws for a non-zero exit. `env` is added to this process's. */
  run(bin: keyof typeof BINS, args: readonly string[], o?: { env?: Record<string, string> }): Promise<RunResult>;
  /** `node bin/reconcile.js --config F ...args`. */
  reconcile(...args: string[]): Promise<RunResult>;
  /** `node bin/agentpool.js <command> --config F ...args`. */
  agentpool(command: string, ...args: string[]): Promise<RunResult>;
  /** Starts `reconcile --config F --log-format json` in the background; `env` is added to this process's. */
  startController(extraArgs?: readonly string[], o?: { env?: Record<string, string> }): RunningController;
  /** The sessions on this test's tmux server, in natural name order; [] when no server runs. */
  sessions(): Promise<Session[]>;
  /** Deep-merges `patch` into the config and replaces the file atomically (temp file + rename, as editors do). */
  writeConfig(patch: ConfigObject): Promise<string>;
  /** Replaces the config file with this exact text (temp file + rename). */
  writeConfigText(text: string): Promise<void>;
  /** Stops controllers still running, kills this test's tmux server, removes the temp folder. */
  cleanup(): Promise<void>;
}

export async function createPoolEnv(o: PoolEnvOptions = {}): Promise<PoolEnv> {
  const dir = await mkdtemp(join(o.parent ?? tmpdir(), 'agentpool-it-'));
  const project = join(dir, 'project');
  await mkdir(project);
  const configFile = join(dir, 'desired-state.yaml');
  const socket = uniqueSocket();
  const tmux = testTmux(socket);
  const controllers: RunningController[] = [];

  const env: PoolEnv = {
    dir,
    project,
    configFile,
    socket,
    tmux,
    config: {
      tmux: { socket },
      // A fresh agent per task unless a test asks for prewarm (its own tests).
      // In the sandbox, as a user's pool runs by default (sandbox: auto), with the test's folder writable:
      // the tests read back what their agents write there (a fake agent's log, a marker file).
      pool: { prefix: 'ccl-auto-', startIndex: 1, size: o.size ?? 4, agent: 'fake', prewarm: false, sandbox: { mode: 'auto', write: [dir] } },
      projects: [{ path: project }],
      dedicated: o.dedicated ?? [],
      controller: { resync: o.resync ?? '1s', stateDir: join(dir, 'state') },
    },
    configText: '',

    async run(bin, args, ro = {}) {
      const r = await execa(process.execPath, [BINS[bin], ...args], { cwd: REPO_ROOT, reject: false, all: true, timeout: 30_000, env: ro.env ?? {} });
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, all: r.all ?? '' };
    },
    reconcile: (...args) => env.run('reconcile', ['--config', configFile, ...args]),
    agentpool: (command, ...args) => env.run('agentpool', [command, '--config', configFile, ...args]),

    startController(extraArgs = [], so = {}) {
      const c = spawnController(['--config', configFile, '--log-format', 'json', ...extraArgs], so.env ?? {});
      controllers.push(c);
      return c;
    },

    async sessions() {
      // The guarded helper: this test's socket only.
      const r = await tmux.tryRun('list-sessions', '-F', '#{session_name} #{@agentpool-pool}');
      if (r.exitCode !== 0) {
        if (/no server running|error connecting|No such file/.test(r.stderr)) return [];
        throw new Error(`list-sessions failed (${r.exitCode}): ${r.stderr}`);
      }
      return r.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const at = line.indexOf(' ');
          return { name: line.slice(0, at), pool: line.slice(at + 1) };
        })
        .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    },

    async writeConfig(patch) {
      env.config = deepMerge(env.config, patch);
      const text = stringify(env.config);
      await env.writeConfigText(text);
      return text;
    },

    async writeConfigText(text) {
      const tmp = join(dir, `.desired-state.yaml.${process.pid}.${Date.now()}.tmp`);
      await writeFile(tmp, text);
      await rename(tmp, configFile);
      env.configText = text;
    },

    async cleanup() {
      await Promise.all(controllers.map((c) => c.stop(5_000)));
      await tmux.kill();
      // An agent's hook may still be writing its events file as the server goes: retry a folder that
      // was not empty yet (seen once: ENOTEMPTY on state/sessions/<slot>).
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
  await env.writeConfig({});
  return env;
}

/**
 * A pool of `size` fake agents that take `workMs` per task, without cooldowns or settle time: for tests of
 * what is around a working pool (the CLI, controls, metrics). `patch` is merged into that config.
 */
export async function quickPoolEnv(size: number, workMs: number, patch: ConfigObject = {}): Promise<PoolEnv> {
  const env = await createPoolEnv({ size, resync: '1s' });
  await env.writeConfig(deepMerge({
    pool: { agent: 'quick', cooldown: { afterTask: '0ms', afterFailure: '0ms' } },
    agents: { quick: { extends: 'fake', env: { FAKE_AGENT_WORK_MS: String(workMs) } } },
    tasks: { settle: '0ms' },
  }, patch));
  return env;
}

function spawnController(args: readonly string[], env: Record<string, string>): RunningController {
  const child: ResultPromise<{ reject: false; buffer: false; cwd: string; env: Record<string, string> }> = execa('node', [BINS.reconcile, ...args], {
    cwd: REPO_ROOT,
    reject: false,
    buffer: false,
    env,
  });
  const lines: LogLine[] = [];
  let stderr = '';
  let result: { exitCode: number | undefined; signal: string | undefined } | null = null;
  const rl = createInterface({ input: child.stdout! });
  const stdoutDone = new Promise<void>((r) => rl.once('close', () => r()));
  rl.on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      lines.push({ raw: line });
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (stderr += d));
  const done = child.then(async (r) => {
    await stdoutDone;
    result = { exitCode: r.exitCode, signal: r.signal };
    return result;
  });

  const c: RunningController = {
    pid: child.pid!,
    lines,
    stderr: () => stderr,
    exited: () => result,
    signal(sig) {
      child.kill(sig);
    },
    async waitForLine(pred, what, timeoutMs = 15_000) {
      return waitFor(
        () => {
          const hit = lines.find(pred);
          if (hit) return hit;
          if (result) throw new Error(`the controller exited (${JSON.stringify(result)}) before logging ${what}; stderr: ${stderr}`);
          return undefined;
        },
        { timeoutMs, what: `${what} in the controller log` },
      );
    },
    async stop(timeoutMs = 10_000) {
      if (!result) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        done.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        child.kill('SIGKILL');
        await done;
      }
      return { ...result!, timedOut };
    },
  };
  return c;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; anything else (arrays, scalars) replaces. */
export function deepMerge(base: ConfigObject, patch: ConfigObject): ConfigObject {
  const out: ConfigObject = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as ConfigObject, v) : v;
  }
  return out;
}

/** The 1-based line and column where `needle` first occurs in `text` (to check FILE:LINE:COL messages). */
export function positionOf(text: string, needle: string): { line: number; col: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`${JSON.stringify(needle)} is not in the text`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1 };
}

/**
 * dist/ as the bins run it: built once per run by the suite's global setup (test/helpers/build.ts), so a
 * test file only checks that it was; a file run by another config builds it here.
 */
export function ensureBuilt(): Promise<void> {
  return process.env[BUILT_ENV] ? Promise.resolve() : buildDist();
}
