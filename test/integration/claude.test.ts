/**
 * The real Claude Code CLI (the pinned version scripts/setup-claude.sh installs) driven by the controller
 * through the `claude` profile, against a loopback stand-in for the Messages API (test/helpers/fake-anthropic.ts).
 * Offline: nothing leaves 127.0.0.1. Each test has its own tmux server, stand-in, HOME and project.
 *
 * These skip, saying why, only when the CLI could not be installed (setup-claude.sh leaves the reason in
 * .cache/claude-code/<version>/.install-failed). A CLI that was never set up fails the file with the command
 * to run.
 *
 * `AGENTPOOL_CAPTURE_SCREENS=1 npx vitest run test/integration/claude.test.ts -t capture` rewrites the screen
 * fixtures in test/fixtures/screens/claude-<version>/ from the real CLI (see the README there).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { hookSettings } from '../../src/drivers/claude-hooks.js';
import { defaultAnswer, lastUserText, startFakeAnthropic, type Behaviour, type FakeAnthropic } from '../helpers/fake-anthropic.js';
import { cliWorld, logged, type CliWorld } from '../helpers/cli-world.js';
import { ensureBuilt, REPO_ROOT, type ConfigObject, type RunningController } from '../helpers/pool-env.js';
import { dropTask } from '../helpers/tasks.js';
import { testTmux, waitFor } from '../helpers/tmux-server.js';
import { execa } from 'execa';

/** The pinned CLI; AGENTPOOL_CLAUDE_VERSION runs these against another one (`bash scripts/setup-claude.sh <version>` first). */
const PINNED_CLAUDE_VERSION = '2.1.330';
const CLAUDE_VERSION = process.env.AGENTPOOL_CLAUDE_VERSION?.trim() || PINNED_CLAUDE_VERSION;
const CACHE = join(REPO_ROOT, '.cache', 'claude-code', CLAUDE_VERSION);
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'screens', `claude-${CLAUDE_VERSION}`);

/** The npm package holding the real executable for this machine (the launcher's postinstall may not have run). */
function platformPackage(): string {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const musl = process.platform === 'linux' && !report?.header?.glibcVersionRuntime;
  return `@anthropic-ai/claude-code-${process.platform}-${process.arch}${musl ? '-musl' : ''}`;
}

function locateClaude(): { exe: string; skip?: undefined } | { skip: string; exe?: undefined } {
  const exe = join(CACHE, 'node_modules', platformPackage(), process.platform === 'win32' ? 'claude.exe' : 'claude');
  if (existsSync(exe)) return { exe };
  const failed = join(CACHE, '.install-failed');
  if (existsSync(failed)) return { skip: `the Claude Code CLI ${CLAUDE_VERSION} could not be installed: ${readFileSync(failed, 'utf8').trim()}` };
  throw new Error(`the Claude Code CLI ${CLAUDE_VERSION} is not installed (no ${exe}): run "bash scripts/setup-claude.sh${CLAUDE_VERSION === PINNED_CLAUDE_VERSION ? '' : ` ${CLAUDE_VERSION}`}" (npm test runs it)`);
}

const CLI = locateClaude();
if (CLI.skip) console.warn(`SKIPPING the Claude Code tests: ${CLI.skip}`);

// What a developer's own session exports (a login, a config dir, a base URL) must not reach these agents.
for (const k of Object.keys(process.env)) if (/^(ANTHROPIC_|CLAUDE)/.test(k)) delete process.env[k];

const SUFFIX = ' When you are done, summarize what you changed.';
const API_KEY = 'sk-ant-api03-agentpool-test-key-0000000000';
const OAUTH_TOKEN = 'sk-ant-oat01-agentpool-test-token';

type Auth = 'api-key' | 'oauth';

/** The agent's environment: an isolated HOME, the stand-in, a dummy credential, no network chatter. */
function claudeEnv(home: string, apiUrl: string, auth: Auth, o: { sandbox?: boolean } = {}): Record<string, string> {
  return {
    HOME: home,
    ANTHROPIC_BASE_URL: apiUrl,
    // A claude.ai login shows usage limits with their reset time; an API key shows the API's message.
    ...(auth === 'api-key' ? { ANTHROPIC_API_KEY: API_KEY } : { CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN }),
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_MAX_RETRIES: '1',
    // As root, --dangerously-skip-permissions is refused without it.
    ...(o.sandbox === false ? {} : { IS_SANDBOX: '1' }),
  };
}

/**
 * The CLI's own first-run settings. `onboarding` only: what agentpool cannot answer (onboarding needs the
 * network; which API key to use is a person's call). `all`: the folder trust and the bypass-mode warning
 * are pre-answered too, so the agent starts straight at its prompt.
 */
async function prepareHome(home: string, project: string, answered: 'none' | 'onboarding' | 'all', o: { approveKey?: boolean } = {}): Promise<void> {
  await mkdir(join(home, '.claude'), { recursive: true });
  if (answered === 'none') return;
  const all = answered === 'all';
  await writeFile(join(home, '.claude.json'), JSON.stringify({
    hasCompletedOnboarding: true,
    theme: 'dark',
    // The CLI remembers an approved key by its last 20 characters.
    ...(o.approveKey === false ? {} : { customApiKeyResponses: { approved: [API_KEY.slice(-20)], rejected: [] } }),
    ...(all ? { bypassPermissionsModeAccepted: true, projects: { [project]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } } } : {}),
  }, null, 2));
  await writeFile(join(home, '.claude', 'settings.json'), JSON.stringify(all ? { skipDangerousModePermissionPrompt: true } : {}, null, 2));
}

/** The `claude` profile's argv with the real executable as command[0]: what the README tells users to write. */
function claudeCommand(exe: string): string[] {
  return [exe, '--model', '{model}', '--settings', '{settings}', '--dangerously-skip-permissions', '{...sessionArgs}'];
}

type World = CliWorld<FakeAnthropic>;

async function claudeWorld(t: TestContext, o: {
  size?: number;
  auth?: Auth;
  answered?: 'onboarding' | 'all';
  afterFailure?: string;
  agent?: ConfigObject;
  /** In its sandbox (sandbox: on), the API stand-in the one address it may reach. */
  sandbox?: boolean;
}): Promise<World> {
  const api = await startFakeAnthropic();
  const w = await cliWorld({
    test: t, cli: 'claude', api, ...(o.size ? { size: o.size } : {}), ...(o.afterFailure ? { afterFailure: o.afterFailure } : {}), ...(o.sandbox ? { sandbox: true } : {}),
    agent: { command: claudeCommand(CLI.exe!), ...o.agent },
    prepareHome: (home, project) => prepareHome(home, project, o.answered ?? 'all'),
  });
  await w.env.writeConfig({ agents: { claude: { env: claudeEnv(w.home, api.url, o.auth ?? 'api-key') } } });
  return w;
}

/** Every submitted task was taken at the first Enter (agentpool waits for the paste to show before it). */
function expectFirstEnterTaken(c: RunningController): void {
  expect(logged(c, 'the agent has not taken the prompt yet; pressing Enter again')).toEqual([]);
  expect(logged(c, 'submitted task').map((l) => l.enterPresses)).not.toContain(2);
}

/** Where Claude Code keeps a session's transcript: ~/.claude/projects/<cwd, non-alphanumerics as ->/<id>.jsonl. */
function transcriptFor(home: string, project: string, id: string): string {
  return join(home, '.claude', 'projects', project.replace(/[^A-Za-z0-9]/g, '-'), `${id}.jsonl`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// Two tests at a time (maxConcurrency in vitest.config.ts), each in its own world: the usage-limit test
// comes first, and mostly waits for its reset while the others run.
describe.skipIf(CLI.skip !== undefined)(`the real Claude Code CLI ${CLAUDE_VERSION} through the claude profile${CLI.skip ? ` (skipped: ${CLI.skip})` : ''}`, { concurrent: true }, () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('cools down until the announced reset on a usage limit, keeps the attempt, then succeeds', async (t) => {
    const w = await claudeWorld(t, { auth: 'oauth', afterFailure: '10m' });
    // Claude Code shows the reset to the minute ("resets 3:04am (UTC)"), so a reset a few seconds ahead is
    // only announced exactly on a minute boundary: the first one at least 15 s after the 429 is served
    // (time for the controller to see it and the agent to exit before that minute begins, on a loaded
    // machine too; the agent must be gone before its limit resets). The wait is 15-75 s.
    let resetAt = 0;
    w.api.queue({ kind: 'rate-limit', resetAt: () => (resetAt = Math.ceil((Date.now() + 15_000) / 60_000) * 60_000) });
    await dropTask(w.project, 'limited.md', 'Hit the limit once.\n');
    const c = w.start();
    await c.waitForLine((l) => l.msg === 'transition' && l.from === 'stopping' && l.to === 'cooldown', 'cooldown after the limit', 30_000);
    const until = Number((await w.env.tmux.run('show-options', '-v', '-t', 'ccl-auto-1', '@agentpool-until')).trim());
    expect(new Date(until).toISOString()).toBe(new Date(resetAt).toISOString());
    const limited = (await w.events('ccl-auto-1')).find((e) => e.hook_event_name === 'StopFailure')!;
    expect(limited).toMatchObject({ error: 'rate_limit', last_assistant_message: expect.stringMatching(/^You've hit your (?:session|5-hour) limit · resets \d{1,2}(:\d\d)?[ap]m \(/) });
    const sidecar = await w.sidecar('limited.md');
    expect(sidecar).toMatchObject({ state: 'queued', attempts: 0, notBefore: resetAt });
    expect(sidecar.history[0]).toMatchObject({ outcome: 'limited', reason: expect.stringContaining('resets') });

    const r = await w.waitDone('limited.md', 110_000);
    expect(r).toMatchObject({ outcome: 'done', attempts: 1 });
    expect(r.history.map((h: { outcome: string }) => h.outcome)).toEqual(['limited', 'done']);
    expect(r.claimedAt).toBeGreaterThanOrEqual(resetAt);
    // Should it fail: which agent (session id) asked, whether it was the SDK's own retry, when, and what.
    const turns = w.api.turns().map((t) => [t.behaviour, t.headers['x-claude-code-session-id'], t.headers['x-stainless-retry-count'], t.at, t.prompt?.slice(0, 80)]);
    const story = c.lines.filter((l) => l.msg !== 'pass').map((l) => [l.time, l.msg, l.from, l.to, l.dialog, l.reason]);
    expect(w.api.turns().map((t) => t.behaviour), JSON.stringify({ resetAt, turns, story })).toEqual(['rate-limit', 'answer']);
    // Whatever the CLI showed after the limit (2.1.197 a menu; 2.1.330 with the settings agentpool passes,
    // usually nothing before the exit text) was answered, so the agent took its /exit without a kill; and it
    // never continued by itself (the turns above: no third one).
    // (And the fullscreen renderer's offer, at each launch in its sandbox.)
    for (const l of logged(c, 'answered a dialog')) expect(['rate-limit-options', 'cancel-auto-continue', 'fullscreen-renderer']).toContain(l.dialog);
    expect(logged(c, 'the agent exited when asked').length, c.lines.map((l) => JSON.stringify(l)).join('\n')).toBeGreaterThanOrEqual(2);
    expect(logged(c, 'the agent did not exit when asked')).toEqual([]);
  }, 180_000);


  it('answers the first-run dialogs, then ready → submitted → done with the session id, transcript and answer in the record', async (t) => {
    // Onboarding and the API key are pre-answered in the CLI's settings; folder trust and the bypass-mode
    // warning are left for the profile to answer.
    const w = await claudeWorld(t, { answered: 'onboarding' });
    await dropTask(w.project, 'hello.md', '---\ntitle: Greet\n---\nSay hello to the pool.\n');
    const c = w.start();
    const r = await w.waitDone('hello.md');

    const prompt = `[hello.md] Say hello to the pool.${SUFFIX}`;
    expect(r).toMatchObject({ outcome: 'done', attempts: 1, session: 'ccl-auto-1', model: 'sonnet', lastMessage: defaultAnswer(prompt) });
    // What the attempt consumed, read from the file its CLI wrote: what the stand-in API reported.
    const tokens = { input: 10, output: Math.ceil(defaultAnswer(prompt).length / 4), cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 };
    expect(r.history.at(-1).usage).toMatchObject({ source: 'claude transcript', messages: 1, tokens });
    // 2.1.330 answers as claude-sonnet-5-5 (its name for sonnet), which the shipped prices do not know: tokens, and the cost unknown.
    expect(r.usage).toMatchObject({ cost: null, attempts: 1 });
    expect(r.agentSessionId).toMatch(UUID);
    expect(r.transcriptPath).toBe(transcriptFor(w.home, w.project, r.agentSessionId));
    expect(existsSync(r.transcriptPath)).toBe(true);
    expect(await readFile(r.transcriptPath, 'utf8')).toContain('Say hello to the pool.');
    expect(r.claimedAt).toBeLessThanOrEqual(r.submittedAt);
    expect(r.submittedAt).toBeLessThanOrEqual(r.finishedAt);

    // The agent was the configured executable, given a fresh id to start with.
    const launched = logged(c, 'launched agent')[0]!;
    expect((launched.argv as string[])[0]).toBe(CLI.exe);
    expect(launched.argv).toEqual(expect.arrayContaining(['--session-id', r.agentSessionId, '--model', 'sonnet']));
    // The profile answered both dialogs, in order, before anything was pasted.
    // Each by the text of the option wanted: the cursor walked there, Enter only on it (2.1.330 puts
    // "No, exit" first under the cursor in both; 2.1.197 had "Yes" first in the trust question).
    // In its sandbox (sandbox: auto, the default), where it cannot ask the pool's tmux about the terminal,
    // 2.1.330 offers its fullscreen renderer too, and the profile declines it.
    const answered = logged(c, 'answered a dialog');
    expect(r.sandboxed).toBe(true);
    expect(answered.map((l) => `${l.dialog}:${l.choose}`)).toEqual(['trust-folder:Yes, I trust this folder', 'bypass-permissions:Yes, I accept', 'fullscreen-renderer:Not now']);
    for (const l of answered) expect((l.keys as string[]).at(-1)).toBe('Enter');
    expect(logged(c, 'could not answer a dialog')).toEqual([]);
    // It took the answer (it went on to the task), but in its sandbox it cannot keep what it notes in
    // ~/.claude.json (README: What a task can touch), so the question comes again at its next launch.
    expect(JSON.parse(await readFile(join(w.home, '.claude.json'), 'utf8')).projects?.[w.project]?.hasTrustDialogAccepted).toBeUndefined();
    // The record is written before the slot reaches cooldown.
    await c.waitForLine((l) => l.msg === 'transition' && l.from === 'stopping' && l.to === 'cooldown', 'the cooldown');
    for (const [from, to] of [['launching', 'awaiting-prompt'], ['awaiting-prompt', 'working'], ['working', 'stopping']]) {
      expect(c.lines.some((l) => l.from === from && l.to === to), `${from} → ${to}`).toBe(true);
    }
    expectFirstEnterTaken(c);

    // What the API was asked: the task, once, in the session agentpool chose, with the dummy key.
    const turns = w.api.turns();
    expect(turns).toHaveLength(1);
    expect(lastUserText(turns[0]!.body)).toBe(prompt);
    expect(turns[0]!.headers['x-claude-code-session-id']).toBe(r.agentSessionId);
    expect(turns[0]!.headers['x-api-key']).toBe(API_KEY);
    // The hooks as the CLI fired them.
    const events = await w.events('ccl-auto-1');
    expect(events.map((e) => e.hook_event_name)).toEqual(['SessionStart', 'UserPromptSubmit', 'Stop']);
    expect(events[0]).toMatchObject({ source: 'startup', session_id: r.agentSessionId, transcript_path: r.transcriptPath });
    expect(events[1]!.prompt).toBe(prompt);
  }, 90_000);

  it('records folder trust for a project with trust: true, so the question never shows, and touches no other project; the task runs in its sandbox', async (t) => {
    const w = await claudeWorld(t, { answered: 'onboarding', sandbox: true });
    const settingsFile = join(w.home, '.claude.json');
    const before = JSON.parse(await readFile(settingsFile, 'utf8'));
    before.projects = { '/somewhere/else': { hasTrustDialogAccepted: false, allowedTools: ['Bash'] } };
    await writeFile(settingsFile, JSON.stringify(before));
    await w.env.writeConfig({ projects: [{ path: w.project, trust: true }] });
    await dropTask(w.project, 'trusted.md', 'Run without being asked.\n');
    const c = w.start();
    expect((await w.waitDone('trusted.md')).sandboxed).toBe(true);
    expect(logged(c, 'recorded folder trust for the project (projects[].trust)')).toHaveLength(1);
    // In its sandbox, where it cannot ask the pool's tmux about the terminal, 2.1.330 offers its fullscreen
    // renderer too; the profile declines it.
    expect(logged(c, 'answered a dialog').map((l) => l.dialog)).toEqual(['bypass-permissions', 'fullscreen-renderer']);
    const after = JSON.parse(await readFile(settingsFile, 'utf8'));
    expect(after.projects[w.project]).toMatchObject({ hasTrustDialogAccepted: true });
    expect(after.projects['/somewhere/else']).toEqual({ hasTrustDialogAccepted: false, allowedTools: ['Bash'] });
  }, 90_000);

  it('counts both API calls of a task that calls a tool, and prices them: its record has their exact tokens and cost', async (t) => {
    const w = await claudeWorld(t, {});
    // 2.1.330 names its sonnet claude-sonnet-5-5, which the shipped prices lack: the config prices it.
    await w.env.writeConfig({ costs: { pricesDate: '2026-12-06', prices: [{ model: 'claude-sonnet-5-5', input: 3, output: 15, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.3 }] } });
    w.api.queue({ kind: 'tool', command: 'echo two-turns' });
    await dropTask(w.project, 'tool.md', 'Run a command, then answer.\n');
    w.start();
    const r = await w.waitDone('tool.md');
    const turns = w.api.turns();
    expect(turns.map((x) => x.behaviour)).toEqual(['tool', 'answer']);
    // The second call carried the tool's result back.
    expect(JSON.stringify(turns[1]!.body.messages)).toContain('two-turns');
    const output = 25 + Math.ceil(r.lastMessage.length / 4);
    const tokens = { input: 20, output, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 };
    expect(r.history.at(-1).usage).toMatchObject({ source: 'claude transcript', messages: 2, tokens, byModel: { 'claude-sonnet-5-5': tokens } });
    expect(r.usage).toEqual({ tokens, cost: (20 * 3 + output * 15) / 1e6, attempts: 1, unknown: 0, prices: '2026-12-06' });
  }, 90_000);

  it('fails the turn on a 500 then 529, and the retry succeeds', async (t) => {
    const w = await claudeWorld(t, {});
    // CLAUDE_CODE_MAX_RETRIES=1: the CLI's own retry of the 500 gets the 529, and then it gives up.
    w.api.queue({ kind: 'server-error' }, { kind: 'overloaded' });
    await dropTask(w.project, 'flaky.md', 'Survive the outage.\n');
    const c = w.start();
    const r = await w.waitDone('flaky.md');
    expect(r).toMatchObject({ outcome: 'done', attempts: 2, lastMessage: 'Finished flaky.md: nothing to change.' });
    expect(r.history.map((h: { outcome: string }) => h.outcome)).toEqual(['failed', 'done']);
    expect(r.history[0].reason).toMatch(/the agent's turn failed \(server_error\): API Error: 529 Overloaded/);
    expect(w.api.turns().map((t) => t.behaviour)).toEqual(['server-error', 'overloaded', 'answer']);
    expect(logged(c, 'task will be retried')).toHaveLength(1);
    const failures = (await w.events('ccl-auto-1')).filter((e) => e.hook_event_name === 'StopFailure');
    expect(failures).toEqual([expect.objectContaining({ error: 'server_error', last_assistant_message: expect.stringMatching(/^API Error: 529 Overloaded/) })]);
  }, 90_000);

  it('cools down for afterFailure on an API-key 429, which names no reset, and keeps the attempt', async (t) => {
    const w = await claudeWorld(t, { auth: 'api-key', afterFailure: '2s' });
    // With an API key the SDK retries a 429 once (CLAUDE_CODE_MAX_RETRIES=1) after retry-after.
    const resetAt = Date.now() + 1_000;
    w.api.queue({ kind: 'rate-limit', resetAt }, { kind: 'rate-limit', resetAt });
    await dropTask(w.project, 'throttled.md', 'Get throttled.\n');
    const c = w.start();
    const r = await w.waitDone('throttled.md', 60_000);
    expect(r).toMatchObject({ outcome: 'done', attempts: 1 });
    const outcomes = r.history.map((h: { outcome: string }) => h.outcome);
    expect(outcomes.at(-1)).toBe('done');
    expect(outcomes.slice(0, -1).every((o: string) => o === 'limited')).toBe(true);
    expect(r.history[0].reason).toMatch(/Request rejected \(429\)/);
    const cooldown = c.lines.find((l) => l.msg === 'transition' && l.from === 'stopping' && l.to === 'cooldown')!;
    const retried = c.lines.find((l) => l.msg === 'task will be retried')!;
    expect(Date.parse(retried.retryAt as string) - (cooldown.time as number)).toBeLessThanOrEqual(2_500);
  }, 90_000);

  it('delivers a 20 KB multi-line task with quotes, $(...), backticks, ; and non-ASCII byte for byte', async (t) => {
    const w = await claudeWorld(t, {});
    const lines = ['Check every line below and report.'];
    for (let i = 1; lines.join('\n').length < 20_000; i++) {
      lines.push(`${i}: "double" 'single' $(rm -rf ~) \`uname -a\`; echo done; #{pane_id} %s \\n ~/x ünïcødé ✓ 日本語 ❯ — ${'x'.repeat(i % 7)}`);
    }
    const body = lines.join('\n');
    expect(body.length).toBeGreaterThanOrEqual(20_000);
    // 2.1.330 collapses a long paste and submits it wrapped in <pasted_content> tags (58 characters more);
    // the claude profile pastes in pieces within its limits (pasteChunk), so the text arrives as sent.
    await dropTask(w.project, 'big.md', `${body}\n`);
    const c = w.start();
    const r = await w.waitDone('big.md');
    expectFirstEnterTaken(c);
    const expected = `[big.md] ${body}${SUFFIX}`;
    const turns = w.api.turns();
    expect(turns).toHaveLength(1);
    const received = lastUserText(turns[0]!.body);
    expect(received.length).toBe(expected.length);
    expect(received === expected).toBe(true);
    expect((await w.events('ccl-auto-1')).find((e) => e.hook_event_name === 'UserPromptSubmit')!.prompt === expected).toBe(true);
    expect(r.lastMessage).toBe('Finished big.md: nothing to change.');
  }, 90_000);

  it('runs each task in its own worktree of a trusted repository, and no worktree asks the trust question', async (t) => {
    const w = await claudeWorld(t, { size: 2, answered: 'onboarding' });
    const git = (...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: w.project });
    await writeFile(join(w.project, '.gitignore'), '.agent-queue/\n');
    await git('init', '--quiet');
    await git('add', '.');
    await git('commit', '--quiet', '-m', 'base');
    await w.env.writeConfig({ projects: [{ path: w.project, trust: true, isolation: 'worktree' }] });
    await dropTask(w.project, 'one.md', 'First.\n');
    await dropTask(w.project, 'two.md', 'Second.\n');
    const c = w.start();
    const [one, two] = [await w.waitDone('one.md'), await w.waitDone('two.md')];
    expect([one.git.branch, two.git.branch]).toEqual(['agentpool/one', 'agentpool/two']);
    // Claude Code 2.1.330 takes a worktree of a trusted repository as trusted: one entry, for the repository.
    expect(logged(c, 'answered a dialog').filter((l) => l.dialog === 'trust-folder')).toEqual([]);
    expect(logged(c, 'recorded folder trust for the project (projects[].trust)').map((l) => l.folder)).toEqual([w.project]);
    const trusted = Object.keys(JSON.parse(await readFile(join(w.home, '.claude.json'), 'utf8')).projects ?? {});
    expect(trusted.filter((k) => k.includes('worktrees'))).toEqual([]);
    // Each agent worked in its worktree: its SessionStart hook says where.
    const starts = [...(await w.events('ccl-auto-1')), ...(await w.events('ccl-auto-2'))].filter((e) => e.hook_event_name === 'SessionStart');
    expect(starts.map((e) => e.cwd).sort()).toEqual([one.git.worktree, two.git.worktree].sort());
  }, 120_000);

  it('runs two tasks at once on two pool sessions', async (t) => {
    const w = await claudeWorld(t, { size: 2 });
    const slow: Behaviour = { kind: 'slow', chunks: 4, delayMs: 700 };
    w.api.queue(slow, slow);
    await dropTask(w.project, 'left.md', 'Take the left side.\n');
    await dropTask(w.project, 'right.md', 'Take the right side.\n');
    const c = w.start();
    const [left, right] = [await w.waitDone('left.md'), await w.waitDone('right.md')];
    expectFirstEnterTaken(c);
    expect(new Set([left.session, right.session])).toEqual(new Set(['ccl-auto-1', 'ccl-auto-2']));
    expect(left.agentSessionId).not.toBe(right.agentSessionId);
    expect(left.lastMessage).toBe('Finished left.md: nothing to change.');
    expect(right.lastMessage).toBe('Finished right.md: nothing to change.');
    const turns = w.api.turns();
    expect(turns.map((t) => t.behaviour)).toEqual(['slow', 'slow']);
    // Both turns were streaming at the same time.
    expect(Math.max(...turns.map((t) => t.at))).toBeLessThan(Math.min(...turns.map((t) => t.finishedAt!)));
  }, 90_000);

  it('resumes an agent session named in the front matter with --resume', async (t) => {
    const w = await claudeWorld(t, {});
    await dropTask(w.project, 'first.md', 'Remember the word "banana".\n');
    const c = w.start();
    const first = await w.waitDone('first.md');
    expect(first.agentSessionId).toMatch(UUID);
    await dropTask(w.project, 'second.md', `---\nresume: ${first.agentSessionId}\n---\nWhat was the word?\n`);
    const second = await w.waitDone('second.md');
    expectFirstEnterTaken(c);

    expect(second).toMatchObject({ outcome: 'done', agentSessionId: first.agentSessionId, transcriptPath: first.transcriptPath });
    const launches = logged(c, 'launched agent').map((l) => l.argv as string[]);
    expect(launches[1]).toEqual(expect.arrayContaining(['--resume', first.agentSessionId]));
    expect(launches[1]).not.toContain('--session-id');
    const start = (await w.events('ccl-auto-1')).filter((e) => e.hook_event_name === 'SessionStart').at(-1)!;
    expect(start).toMatchObject({ source: 'resume', session_id: first.agentSessionId });
    // The second turn carries the first one: the same conversation continued.
    const asked = JSON.stringify(w.api.turns()[1]!.body.messages);
    expect(asked).toContain('Remember the word \\"banana\\".');
    expect(asked).toContain('Finished first.md: nothing to change.');
    expect(lastUserText(w.api.turns()[1]!.body)).toBe(`[second.md] What was the word?${SUFFIX}`);
  }, 90_000);
});

/**
 * Not a test: rewrites the screen fixtures from the real CLI. Each screen is what agentpool's capture sees
 * (`capture-pane -p -J` of a 200×50 pane). The expectations in expected.json are kept by hand.
 *
 * The steps read the screen rather than assume a version's layout: a menu option is reached by moving the
 * cursor until that option's line carries the `❯` (2.1.197 numbers its options and puts "Yes, I trust this
 * folder" first; 2.1.330 does neither), and a usage limit is followed wherever the CLI takes it (2.1.197
 * opens the /rate-limit-options menu; 2.1.330 arms an automatic continue for a limit that resets within
 * hours and opens the menu only for farther resets or with `autoContinueAtUsageLimit: false`). Screens that
 * only one version shows are saved only when they show. The hook events of the whole run are saved too.
 */
if (process.env.AGENTPOOL_CAPTURE_SCREENS && CLI.exe) {
  // AGENTPOOL_CAPTURE_INTO=<folder> writes there instead, to compare a capture with the fixtures it would replace.
  const OUT = process.env.AGENTPOOL_CAPTURE_INTO || FIXTURES;
  describe('capture', () => {
    it(`capture screen fixtures into ${OUT}`, async () => {
      const exe = CLI.exe!;
      const api = await startFakeAnthropic();
      const tmux = testTmux();
      const dir = await mkdtemp(join(tmpdir(), 'agentpool-capture-'));
      const saved: string[] = [];
      try {
        const project = join(dir, 'project');
        await mkdir(project);
        const settings = join(dir, 'settings.json');
        const eventsFile = join(dir, 'events.jsonl');
        await writeFile(settings, JSON.stringify(hookSettings(eventsFile)));
        await mkdir(OUT, { recursive: true });
        await tmux.run('new-session', '-d', '-s', 'cap', '-x', '200', '-y', '50', '-c', project, '--', 'sleep', '100000', ';', 'set-option', '-w', 'remain-on-exit', 'on');
        const screen = () => tmux.run('capture-pane', '-p', '-J', '-t', 'cap');
        const save = async (name: string) => {
          await writeFile(join(OUT, `${name}.txt`), `${await screen()}\n`);
          saved.push(name);
        };
        const until = (re: RegExp, what: string, timeoutMs = 20_000) =>
          waitFor(async () => re.test(await screen()), { timeoutMs, intervalMs: 100, what }).catch(async (err: Error) => {
            throw new Error(`${err.message}; the screen:\n${(await screen()).replace(/\s+$/gm, '')}`);
          });
        /** Waits for one of `res` and says which showed first. */
        const untilOneOf = async (res: Record<string, RegExp>, what: string, timeoutMs = 20_000): Promise<string> =>
          waitFor(async () => {
            const s = await screen();
            return Object.entries(res).find(([, re]) => re.test(s))?.[0];
          }, { timeoutMs, intervalMs: 100, what }).catch(async (err: Error) => {
            throw new Error(`${err.message}; the screen:\n${(await screen()).replace(/\s+$/gm, '')}`);
          });
        const keys = (...k: string[]) => tmux.run('send-keys', '-t', 'cap', ...k);
        const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        /** A menu line offering exactly `text`: `❯ 1. Yes`, `  2. No (recommended)`, `  Yes, I accept`. */
        const optionLine = (text: string, cursor: boolean) => new RegExp(`^\\s*${cursor ? '❯' : '(?:❯)?'}\\s*(?:\\d+\\.\\s*)?${escape(text)}\\s*$`, 'm');
        /**
         * Answers the menu that `dialog` identifies with the option `text`: moves the cursor there (Up or
         * Down, by where the option is from the cursor, reading the screen after each key), calls `onIt`
         * once it is there, presses Enter and waits for the dialog to go. 2.1.330's trust question refuses
         * keys that arrive in its first ~150 ms (typed ahead, it assumes): it then comes back with the cursor
         * on its default ("No, exit"), so the first key waits a moment and a dialog that comes back is
         * answered again.
         */
        const choose = async (dialog: RegExp, text: string, onIt?: () => Promise<void>) => {
          await until(dialog, `the dialog offering "${text}"`);
          await new Promise((r) => setTimeout(r, 500));
          for (let round = 1; ; round++) {
            for (let step = 0; ; step++) {
              const s = await screen();
              if (optionLine(text, true).test(s)) break;
              const lines = s.split('\n');
              const at = lines.findIndex((l) => optionLine(text, false).test(l));
              // The menu's cursor: the last `❯` line that is not the input box (right under a rule).
              let cursorAt = -1;
              lines.forEach((l, i) => {
                if (/^\s*❯/.test(l) && !(i > 0 && /^\s*─{8,}\s*$/.test(lines[i - 1]!))) cursorAt = i;
              });
              if (at < 0 || cursorAt < 0 || step >= 8) throw new Error(`cannot reach the option "${text}"; the screen:\n${s.replace(/\s+$/gm, '')}`);
              await keys(at > cursorAt ? 'Down' : 'Up');
              await waitFor(async () => (await screen()) !== s, { timeoutMs: 5_000, intervalMs: 50, what: `the cursor to move toward "${text}"` });
            }
            if (round === 1) await onIt?.();
            await keys('Enter');
            const gone = await waitFor(async () => {
              const s = await screen();
              return !dialog.test(s) ? 'gone' : !optionLine(text, true).test(s) ? 'back' : undefined;
            }, { timeoutMs: 10_000, intervalMs: 50, what: `the dialog offering "${text}" to go` });
            if (gone === 'gone') return;
            if (round >= 3) throw new Error(`the dialog offering "${text}" came back ${round} times`);
          }
        };
        /** How many turns have ended (Stop or StopFailure), by the hook events; see `turnEnded`. */
        const turnsEnded = async () => (await readFile(eventsFile, 'utf8').catch(() => '')).split('\n').filter((l) => /"hook_event_name":"Stop(?:Failure)?"/.test(l)).length;
        let endedBefore = 0;
        /** Waits for the hooks that end `n` turns since the last `say` (their payloads go into hook-events.jsonl). */
        const turnEnded = (what: string, n = 1) => waitFor(async () => (await turnsEnded()) >= endedBefore + n, { timeoutMs: 20_000, intervalMs: 100, what: `the hook ending ${what}` });
        const say = async (text: string) => {
          endedBefore = await turnsEnded();
          await tmux.run('set-buffer', '-b', 'cap', '--', text);
          await tmux.run('paste-buffer', '-p', '-d', '-b', 'cap', '-t', 'cap');
          // As agentpool does: Enter once the paste shows (an earlier one can be dropped). The box's ❯ is
          // followed by a no-break space.
          await until(new RegExp(`❯\\s${escape(text)}`), 'the paste');
          await keys('Enter');
        };
        let homes = 0;
        const launch = async (answered: 'none' | 'onboarding' | 'all', auth: Auth, o: { sandbox?: boolean; approveKey?: boolean; settings?: object } = {}) => {
          const home = join(dir, `home${++homes}`);
          await prepareHome(home, project, answered, o);
          if (o.settings) {
            const file = join(home, '.claude', 'settings.json');
            await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8').catch(() => '{}')), ...o.settings }, null, 2));
          }
          const env = Object.entries(claudeEnv(home, api.url, auth, o)).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
          // Each agent starts on a clean screen: what the previous one left would be captured with it.
          await tmux.run('respawn-pane', '-k', '-t', 'cap', '--', 'sleep', '100000');
          await tmux.run('send-keys', '-R', '-t', 'cap');
          await tmux.run('clear-history', '-t', 'cap');
          await tmux.run('respawn-pane', '-k', '-t', 'cap', '-c', project, ...env, '--', exe, '--model', 'sonnet', '--settings', settings, '--dangerously-skip-permissions', '--session-id', randomUUID());
        };
        const READY = /^─{8,}\n❯/m;
        const IDLE = /^(?![\s\S]*esc to interrupt)/;

        await launch('none', 'api-key');
        await until(/Unable to connect to Anthropic services/, 'the onboarding screen');
        await save('onboarding-offline');

        // First run: folder trust, the API key, the bypass-mode warning, in that order.
        await launch('onboarding', 'api-key', { approveKey: false });
        await until(/Accessing workspace/, 'the trust dialog');
        await save('trust-dialog');
        // 2.1.330 puts the cursor on "No, exit": then also the screen with the cursor moved to the answer.
        const trustCursorOnYes = optionLine('Yes, I trust this folder', true).test(await screen());
        await choose(/Accessing workspace/, 'Yes, I trust this folder', async () => {
          if (!trustCursorOnYes) await save('trust-dialog-yes');
        });
        await until(/Detected a custom API key/, 'the API key dialog');
        await save('api-key-dialog');
        await choose(/Detected a custom API key/, 'Yes');
        await until(/Bypass Permissions mode[\s\S]*❯\s*(?:\d+\.\s*)?No, exit/, 'the bypass-mode warning');
        await save('bypass-dialog');
        await choose(/Bypass Permissions mode/, 'Yes, I accept', () => save('bypass-dialog-accept'));
        await until(READY, 'the prompt');
        await save('ready');
        api.queue({ kind: 'slow', chunks: 6, delayMs: 800, text: 'Working on it, slowly: this answer arrives in pieces.' });
        await say('[busy.md] Take your time.');
        await until(/esc to interrupt/, 'busy');
        await save('busy');
        await until(/arrives in pieces\./, 'the answer');
        await until(IDLE, 'idle again');
        await save('answered');
        await turnEnded('the busy turn');
        await tmux.run('set-buffer', '-b', 'cap', '--', Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n'));
        await tmux.run('paste-buffer', '-p', '-d', '-b', 'cap', '-t', 'cap');
        await until(/\[Pasted text #1 \+\d+ lines\]/, 'the collapsed paste');
        await save('pasted-long');

        for (const [name, b, re] of [
          ['api-error-500', { kind: 'server-error' }, /API Error: 500/],
          ['api-error-529', { kind: 'overloaded' }, /API Error: 529/],
          ['stream-broken', { kind: 'break' }, /ECONNRESET/],
        ] as const) {
          await launch('all', 'api-key');
          await until(READY, 'the prompt');
          api.queue(b, b);
          await say(`[${name}.md] Fail, please.`);
          await until(re, name);
          await until(IDLE, 'idle again');
          await save(name);
          await turnEnded(name);
          // Whatever the CLI did not ask for (it retries once, CLAUDE_CODE_MAX_RETRIES=1) must not go to the next.
          expect(api.pending()).toBe(0);
        }

        await launch('all', 'api-key');
        await until(READY, 'the prompt');
        const soon = Date.now() + 1_000;
        api.queue({ kind: 'rate-limit', resetAt: soon }, { kind: 'rate-limit', resetAt: soon });
        await say('[throttled.md] Get throttled.');
        await until(/Request rejected \(429\)/, 'the API-key 429');
        await until(IDLE, 'idle again');
        await save('rate-limit-api-key');
        await turnEnded('the API-key 429');

        // A usage limit with a claude.ai login: the menu (2.1.197; 2.1.330 for a far reset), or an automatic
        // continue at the reset (2.1.330 for a reset within hours), which has screens of its own; the menu
        // is then captured from an agent with `autoContinueAtUsageLimit: false`.
        const MENU = /What do you want to do\?/;
        let autoContinues = false;
        for (const [name, claim, ahead] of [['usage-limit', 'five_hour', 3 * 3600_000], ['usage-limit-weekly', 'seven_day', 3 * 86_400_000]] as const) {
          await launch('all', 'oauth');
          await until(READY, 'the prompt');
          api.queue({ kind: 'rate-limit', resetAt: Date.now() + ahead, claim });
          await say(`[${name}.md] Hit the limit.`);
          const shown = await untilOneOf({ menu: MENU, auto: /Continuing automatically at .*Esc to cancel/ }, 'the usage-limit menu or automatic continue');
          if (shown === 'auto') {
            autoContinues = true;
            await save(`${name}-auto-continue`);
            await keys('Escape');
            await until(/Automatic continue cancelled/, 'the automatic continue cancelled');
            await until(READY, 'the prompt after the cancel');
            await save(`${name}-auto-continue-cancelled`);
            await launch('all', 'oauth', { settings: { autoContinueAtUsageLimit: false } });
            await until(READY, 'the prompt');
            api.queue({ kind: 'rate-limit', resetAt: Date.now() + ahead, claim });
            await say(`[${name}.md] Hit the limit.`);
            await until(MENU, 'the usage-limit menu with autoContinueAtUsageLimit off');
          }
          await save(`${name}-menu`);
          await choose(MENU, 'Stop and wait for limit to reset');
          await until(READY, 'the prompt after the menu');
          await save(`${name}-after-menu`);
        }

        if (autoContinues) {
          // An automatic continue that fires: a reset at a minute's start (the CLI shows minutes) some 15-75 s
          // ahead. The CLI goes on "shortly" after the reset (about 90 s later here), with a prompt of its own.
          await launch('all', 'oauth');
          await until(READY, 'the prompt');
          api.queue({ kind: 'rate-limit', resetAt: () => Math.ceil((Date.now() + 15_000) / 60_000) * 60_000, claim: 'five_hour' });
          await say('[usage-limit-resume.md] Hit the limit, then go on.');
          await until(/Continuing automatically at .*Esc to cancel/, 'the automatic continue');
          await until(/Continuing shortly · Esc to cancel/, 'the reset passed', 90_000);
          await save('usage-limit-auto-continue-shortly');
          await until(/Usage limit reset · Continuing automatically/, 'the automatic continue firing', 240_000);
          await until(/Your claude\.ai usage limit has reset|Hello from the stand-in API/, 'the answer to the resumed turn');
          await until(IDLE, 'idle again');
          await until(READY, 'the prompt after the resumed turn');
          await save('usage-limit-auto-continue-fired');
          await turnEnded('the limited turn and the resumed one', 2);
        }

        if (process.getuid?.() === 0) {
          await launch('all', 'api-key', { sandbox: false });
          await until(/cannot be used with root/, 'the refusal');
          await save('root-without-sandbox');
        }
        // The hook payloads of the whole run (SessionStart, UserPromptSubmit, Stop with background_tasks,
        // StopFailure kinds, Notification types), one JSON object a line, as the CLI sent them.
        await writeFile(join(OUT, 'hook-events.jsonl'), await readFile(eventsFile, 'utf8').catch(() => ''));
      } finally {
        await tmux.kill();
        await api.close();
        await rm(dir, { recursive: true, force: true });
      }
      console.log(`captured into ${OUT}: ${saved.join(', ')}`);
      expect((await readdir(OUT)).length).toBeGreaterThan(5);
    }, 900_000);
  });
}
