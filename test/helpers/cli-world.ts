/**
 * A world for driving a real agent CLI (Codex, Gemini) through its shipped profile: a loopback API stand-in,
 * a private HOME holding the CLI's own first-run settings, a project, a tmux server and a controller. Each
 * test gets its own. Plus what such tests share: finding the pinned CLI that scripts/setup-cli.sh installed
 * (or why it could not be), waiting for a task's record, and what to print when a wait fails.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createPoolEnv, REPO_ROOT, type ConfigObject, type LogLine, type PoolEnv, type RunningController } from './pool-env.js';
import { expect, type TestContext } from 'vitest';
import type { StandIn, StandInBehaviour } from './stand-in.js';
import { dropTask } from './tasks.js';
import { waitFor } from './tmux-server.js';

export type CliName = 'claude' | 'codex' | 'gemini';

/**
 * The CLI's executable in .cache/<cli>/<version>/ (Codex, Gemini; Claude Code has its own), or why it is not there. A CLI whose install failed is
 * skipped with the reason; one that was never set up fails with the command to run.
 */
export function locateCli(cli: 'codex' | 'gemini', version: string, pinned: string): { exe: string; skip?: undefined } | { skip: string; exe?: undefined } {
  const dir = join(REPO_ROOT, '.cache', cli, version);
  const exe = join(dir, 'node_modules', '.bin', cli);
  if (existsSync(exe)) return { exe };
  const failed = join(dir, '.install-failed');
  if (existsSync(failed)) return { skip: `the ${cli} CLI ${version} could not be installed: ${readFileSync(failed, 'utf8').trim()}` };
  throw new Error(`the ${cli} CLI ${version} is not installed (no ${exe}): run "bash scripts/setup-cli.sh ${cli}${version === pinned ? '' : ` ${version}`}" (npm test runs it)`);
}

export const SUFFIX = ' When you are done, summarize what you changed.';

export interface CliWorld<A extends StandIn<any> = StandIn> {
  env: PoolEnv;
  api: A;
  home: string;
  /** The project's real path (the CLIs key trust and transcripts by it). */
  project: string;
  controller?: RunningController;
  start(): RunningController;
  result(dir: 'done' | 'failed', name: string): Promise<Record<string, any>>;
  /** Waits for `name` in done/ (or failed/, which fails the wait at once) and returns its record. */
  waitDone(name: string, timeoutMs?: number): Promise<Record<string, any>>;
  /** The hook events of a session's current and previous agent, oldest first. */
  events(session: string): Promise<Array<Record<string, any>>>;
  sidecar(name: string): Promise<Record<string, any>>;
}

export interface CliWorldOptions<A extends StandIn<any>> {
  /**
   * The test the world is for: it ends the world when that test ends (a file's tests may run at once, so
   * an afterEach would end a neighbour's world too).
   */
  test: TestContext;
  cli: CliName;
  api: A;
  /** The agent's profile entry: at least `command` (the real executable) and `env`. */
  agent: ConfigObject;
  /** Writes the CLI's own settings into the world's HOME. */
  prepareHome(home: string, project: string): Promise<void>;
  size?: number;
  afterFailure?: string;
  /** The controller's resync (1s by default: a test that is not about it does not wait on it). */
  resync?: string;
  /** Make the world's folder under this one (Gemini CLI refuses a settings file below a world-writable folder). */
  parent?: string;
  /**
   * Never without a sandbox (sandbox: on; else auto, the default). Its API stand-in is the one address it
   * may reach (allowed here, as Codex reads it from its own settings).
   */
  sandbox?: boolean;
}

/**
 * A folder for worlds whose every parent only its owner can write: Gemini CLI ignores a system settings
 * file under a folder others can write (the OS temp folder is one).
 */
export async function privateParent(): Promise<string> {
  const dir = join(homedir(), '.cache', 'agentpool-tests');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export async function cliWorld<A extends StandIn<any>>(o: CliWorldOptions<A>): Promise<CliWorld<A>> {
  // Ended in the reverse order: the pool (its agents) first, then the API they talk to.
  o.test.onTestFinished(() => o.api.close());
  const env = await createPoolEnv({ size: o.size ?? 1, resync: o.resync ?? '1s', ...(o.parent ? { parent: o.parent } : {}) });
  o.test.onTestFinished(() => env.cleanup());
  const project = await realpath(env.project);
  const home = join(env.dir, 'home');
  await mkdir(home, { recursive: true });
  await o.prepareHome(home, project);
  await env.writeConfig({
    pool: { agent: o.cli, cooldown: { afterTask: '50ms', afterFailure: o.afterFailure ?? '1s' } },
    projects: [{ path: project }],
    // submitVerify and promptTimeout are long so that a CLI slowed by a busy machine (a real CLI starting
    // beside other test files took over 30 s to show its prompt) is not taken for a dropped Enter or a hang.
    agents: { [o.cli]: { submitVerify: '10s', promptTimeout: '2m', ...o.agent } },
    tasks: { settle: '50ms', retryBackoff: '200ms', instructionSuffix: SUFFIX },
  });
  await env.writeConfig({ pool: { sandbox: { mode: o.sandbox ? 'on' : 'auto', allow: [new URL(o.api.url).host], write: [env.dir] } } });
  const queueFile = (dir: string, name: string) => join(project, '.agent-queue', dir, name);
  const w: CliWorld<A> = {
    env, api: o.api, home, project,
    start() {
      w.controller = env.startController();
      return w.controller;
    },
    async result(dir, name) {
      return JSON.parse(await readFile(queueFile(dir, `${name}.result.json`), 'utf8'));
    },
    async waitDone(name, timeoutMs = 60_000) {
      try {
        await waitFor(() => {
          if (existsSync(queueFile('failed', name))) throw Object.assign(new Error(`${name} went to failed/`), { final: true });
          return existsSync(queueFile('done', name)) && existsSync(queueFile('done', `${name}.result.json`));
        }, { timeoutMs, intervalMs: 100, what: `${name} in done/` });
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${await diagnose(w)}`);
      }
      return w.result('done', name);
    },
    async events(session) {
      const file = join(env.dir, 'state', 'sessions', session, 'events.jsonl');
      const text = (await readFile(`${file}.prev`, 'utf8').catch(() => '')) + (await readFile(file, 'utf8').catch(() => ''));
      return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    },
    async sidecar(name) {
      return JSON.parse(await readFile(queueFile('active', `${name}.state.json`), 'utf8'));
    },
  };
  return w;
}

/** What a person would look at when a wait fails: the end of the log, the panes, the stand-in's requests. */
export async function diagnose(w: CliWorld<StandIn<any>>): Promise<string> {
  const log = (w.controller?.lines ?? []).slice(-25).map((l) => JSON.stringify(l)).join('\n');
  const panes = await w.env.tmux.tryRun('list-panes', '-a', '-F', '#{session_name} #{pane_id} dead=#{pane_dead}');
  const screens: string[] = [];
  for (const line of panes.stdout.split('\n').filter(Boolean)) {
    const id = line.split(' ')[1]!;
    const shot = await w.env.tmux.tryRun('capture-pane', '-p', '-J', '-t', id);
    screens.push(`--- ${line}\n${shot.stdout.replace(/\s+$/gm, '').replace(/\n{3,}/g, '\n\n')}`);
  }
  const reqs = w.api.requests.map((r) => `${r.method} ${r.path} ${r.kind} ${r.behaviour ?? ''}`).join('\n');
  // The screen each attempt ended on (saved before the agent was asked to exit).
  const logsDir = join(w.env.dir, 'state', 'logs', 'project');
  const attempts: string[] = [];
  for (const f of (await readdir(logsDir).catch(() => [] as string[])).sort()) {
    const text = await readFile(join(logsDir, f), 'utf8');
    attempts.push(`--- ${f}\n${text.split('\n').filter((l) => l.trim()).slice(-15).join('\n')}`);
  }
  return `controller log (last lines):\n${log}\ncontroller stderr:\n${w.controller?.stderr() ?? ''}\nscreens:\n${screens.join('\n')}\n` +
    `attempt logs (last lines):\n${attempts.join('\n')}\nrequests:\n${reqs}`;
}

export const logged = (c: RunningController, msg: string) => c.lines.filter((l: LogLine) => l.msg === msg);

/** Every submitted task was taken at the first Enter (agentpool waits for the paste to show before it). */
export function firstEnterPresses(c: RunningController): unknown[] {
  return logged(c, 'submitted task').map((l) => l.enterPresses);
}

/** A task of about 20 KB, many lines, with what a shell or tmux would mangle: quotes, $(...), backticks, #{...}, non-ASCII. */
function hostileBody(): string {
  const lines = ['Check every line below and report.'];
  for (let i = 1; lines.join('\n').length < 20_000; i++) {
    lines.push(`${i}: "double" 'single' $(rm -rf ~) \`uname -a\`; echo done; #{pane_id} %s \\n ~/x ünïcødé ✓ 日本語 ❯ — ${'x'.repeat(i % 7)}`);
  }
  return lines.join('\n');
}

/**
 * Runs the 20 KB hostile task (hostileBody) and checks that it was taken at the first Enter and reached the
 * API (`received` reads a turn's body) and the agent's prompt hook (`promptEvent`) byte for byte.
 */
export async function expectHostileTaskWhole(w: CliWorld, o: { received: (body: any) => string; promptEvent: string }): Promise<void> {
  const body = hostileBody();
  await dropTask(w.project, 'big.md', `${body}\n`);
  const c = w.start();
  const r = await w.waitDone('big.md');
  expect(firstEnterPresses(c)).toEqual([1]);
  const expected = `[big.md] ${body}${SUFFIX}`;
  const turns = w.api.turns();
  expect(turns).toHaveLength(1);
  const received = o.received(turns[0]!.body);
  expect(received.length).toBe(expected.length);
  expect(received === expected).toBe(true);
  expect((await w.events('ccl-auto-1')).find((e) => e.hook_event_name === o.promptEvent)!.prompt === expected).toBe(true);
  expect(r.lastMessage).toBe('Finished big.md: nothing to change.');
}

/**
 * Runs two slow tasks in a world of two sessions and checks that both streamed at the same time, each on
 * its own session and agent session, each taken at the first Enter. Returns their records.
 */
export async function expectTwoAtOnce(w: CliWorld): Promise<[Record<string, any>, Record<string, any>]> {
  const slow: StandInBehaviour = { kind: 'slow', chunks: 4, delayMs: 700 };
  w.api.queue(slow, slow);
  await dropTask(w.project, 'left.md', 'Take the left side.\n');
  await dropTask(w.project, 'right.md', 'Take the right side.\n');
  const c = w.start();
  const [left, right] = [await w.waitDone('left.md'), await w.waitDone('right.md')];
  expect(firstEnterPresses(c), await diagnose(w)).toEqual([1, 1]);
  expect(new Set([left.session, right.session])).toEqual(new Set(['ccl-auto-1', 'ccl-auto-2']));
  expect(left.agentSessionId).not.toBe(right.agentSessionId);
  const turns = w.api.turns();
  expect(turns.map((t) => t.behaviour)).toEqual(['slow', 'slow']);
  expect(Math.max(...turns.map((t) => t.at))).toBeLessThan(Math.min(...turns.map((t) => t.finishedAt!)));
  return [left, right];
}
