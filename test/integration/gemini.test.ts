/**
 * The real Gemini CLI (the pinned version scripts/setup-cli.sh installs) driven by the controller through
 * the shipped `gemini` profile, against a loopback stand-in for the Gemini API (test/helpers/fake-gemini.ts).
 * Offline: GOOGLE_GEMINI_BASE_URL points the CLI at the stand-in, and its usage statistics and update
 * checks are off in its own settings, so nothing leaves 127.0.0.1. Each world lives under a folder only its
 * owner can write (privateParent): Gemini ignores a settings file below the OS temp folder.
 *
 * These skip, saying why, only when the CLI could not be installed. AGENTPOOL_GEMINI_VERSION runs them
 * against another version (`bash scripts/setup-cli.sh gemini <version>` first; `npm run test:agents-latest`).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import { cliWorld, diagnose, firstEnterPresses, expectHostileTaskWhole, expectTwoAtOnce, locateCli, logged, privateParent, SUFFIX, type CliWorld } from '../helpers/cli-world.js';
import { lastUserParts, startFakeGemini, type GeminiBehaviour } from '../helpers/fake-gemini.js';
import { ensureBuilt, REPO_ROOT } from '../helpers/pool-env.js';
import { captureScreens, type CaptureStep } from '../helpers/capture-screens.js';
import { defaultAnswer, type StandIn } from '../helpers/stand-in.js';
import { dropTask } from '../helpers/tasks.js';

const PINNED = '0.61.0';
const VERSION = process.env.AGENTPOOL_GEMINI_VERSION?.trim() || PINNED;
const CLI = locateCli('gemini', VERSION, PINNED);
if (CLI.skip) console.warn(`SKIPPING the Gemini CLI tests: ${CLI.skip}`);

// What a developer's own session exports must not reach these agents.
for (const k of Object.keys(process.env)) if (/^(GEMINI_|GOOGLE_)/.test(k)) delete process.env[k];

const API_KEY = 'agentpool-test-key';

/**
 * Gemini's own settings: the API key as the way to sign in (else it asks), no usage statistics, no update
 * check, and one attempt per request (its own retries would hide a failed request for a minute).
 */
async function prepareHome(home: string): Promise<void> {
  await mkdir(join(home, '.gemini'), { recursive: true });
  await writeFile(join(home, '.gemini', 'settings.json'), JSON.stringify({
    security: { auth: { selectedType: 'gemini-api-key' } },
    privacy: { usageStatisticsEnabled: false },
    general: { enableAutoUpdateNotification: false, enableAutoUpdate: false, maxAttempts: 1 },
  }, null, 2));
}

async function geminiWorld(t: TestContext, o: { size?: number; afterFailure?: string; sandbox?: boolean } = {}): Promise<CliWorld> {
  const api = await startFakeGemini();
  const w = await cliWorld({
    test: t, cli: 'gemini', api, ...o, parent: await privateParent(),
    // The shipped profile's argv with the real executable as command[0]: what the README tells users to write.
    agent: { command: [CLI.exe!, ...SHIPPED_PROFILES.gemini!.command.slice(1)], env: { GEMINI_API_KEY: API_KEY, GOOGLE_GEMINI_BASE_URL: api.url } },
    prepareHome,
  });
  await w.env.writeConfig({ agents: { gemini: { env: { HOME: w.home } } } });
  return w;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// One test at a time: this file runs beside chaos (vitest.config.ts), and two Gemini CLIs starting at once
// beside it took over 18 s to show a prompt, then lost a first Enter.
describe.skipIf(CLI.skip !== undefined)(`the real Gemini CLI ${VERSION} through the gemini profile${CLI.skip ? ` (skipped: ${CLI.skip})` : ''}`, () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('ready → submitted → done in its sandbox, with the session id it was given, and no trust question', async (t) => {
    const w = await geminiWorld(t, { sandbox: true });
    await dropTask(w.project, 'hello.md', '---\ntitle: Greet\n---\nSay hello to the pool.\n');
    const c = w.start();
    const r = await w.waitDone('hello.md');

    const prompt = `[hello.md] Say hello to the pool.${SUFFIX}`;
    expect(r).toMatchObject({ outcome: 'done', attempts: 1, session: 'ccl-auto-1', model: 'gemini-2.5-flash', lastMessage: defaultAnswer(prompt), sandboxed: true });
    // What the attempt consumed, read from the file its CLI wrote: what the stand-in API reported.
    const tokens = { input: 10, output: Math.ceil(defaultAnswer(prompt).length / 4), cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 };
    expect(r.history.at(-1).usage).toMatchObject({ source: 'gemini session', messages: 1, tokens });
    // Gemini 2.5 Flash: $0.30 input, $2.50 output per million.
    expect(r.usage).toMatchObject({ cost: (10 * 0.3 + 10 * 2.5) / 1e6, attempts: 1 });
    expect(r.agentSessionId).toMatch(UUID);
    const launched = logged(c, 'launched agent')[0]!;
    expect((launched.argv as string[])[0]).toBe(CLI.exe);
    expect(launched.argv).toEqual(expect.arrayContaining(['--session-id', r.agentSessionId, '--model', 'gemini-2.5-flash']));
    expect(existsSync(r.transcriptPath)).toBe(true);
    expect(await readFile(r.transcriptPath, 'utf8')).toContain('Say hello to the pool.');
    // --skip-trust: no trust question, and nothing written about it.
    expect(logged(c, 'answered a dialog')).toEqual([]);
    expect(existsSync(join(w.home, '.gemini', 'trustedFolders.json'))).toBe(false);
    // The task's record is written before the slot's last transition is logged.
    await c.waitForLine((l) => l.msg === 'transition' && l.from === 'stopping' && l.to === 'cooldown', 'the slot cooling down');
    for (const [from, to] of [['launching', 'awaiting-prompt'], ['awaiting-prompt', 'working'], ['working', 'stopping'], ['stopping', 'cooldown']]) {
      expect(c.lines.some((l) => l.from === from && l.to === to), `${from} → ${to}`).toBe(true);
    }
    // One Enter, or two: a Gemini CLI starting cold beside the chaos tests has taken the first Enter for a new
    // line inside its paste (profiles.ts, enterDelayMs), and agentpool pressed again. Either way the prompt
    // reached the API once and whole (below).
    expect(firstEnterPresses(c), await diagnose(w)).toEqual([expect.toSatisfy((n: number) => n === 1 || n === 2)]);
    await c.waitForLine((l) => l.msg === 'the agent exited when asked', 'the exit').catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await diagnose(w)}`);
    });

    const turns = w.api.turns();
    expect(turns).toHaveLength(1);
    expect(lastUserParts(turns[0]!.body)).toBe(prompt);
    expect(turns[0]!.headers['x-goog-api-key']).toBe(API_KEY);
    const events = await w.events('ccl-auto-1');
    expect(events.map((e) => e.hook_event_name)).toEqual(['SessionStart', 'BeforeAgent', 'AfterAgent']);
    expect(events.every((e) => e.session_id === r.agentSessionId)).toBe(true);
    expect(events[1]!.prompt).toBe(prompt);
    expect(c.lines.filter((l) => (l.level ?? 0) >= 40 && l.msg !== 'the agent has not taken the prompt yet; pressing Enter again')).toEqual([]);
  }, 90_000);

  it('counts both API calls of a task that calls a tool, and prices them: its record has their exact tokens and cost', async (t) => {
    const w = await geminiWorld(t);
    (w.api as StandIn<GeminiBehaviour>).queue({ kind: 'tool', command: 'echo two-turns' });
    await dropTask(w.project, 'tool.md', 'Run a command, then answer.\n');
    w.start();
    const r = await w.waitDone('tool.md');
    const turns = w.api.turns();
    expect(turns.map((x) => x.behaviour)).toEqual(['tool', 'answer']);
    expect(JSON.stringify(turns[1]!.body.contents)).toContain('two-turns');
    const output = 25 + Math.ceil(r.lastMessage.length / 4);
    const tokens = { input: 20, output, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 };
    expect(r.history.at(-1).usage).toMatchObject({ source: 'gemini session', messages: 2, tokens, byModel: { 'gemini-2.5-flash': tokens } });
    // Gemini 2.5 Flash: $0.30 input, $2.50 output per million.
    expect(r.usage).toEqual({ tokens, cost: Math.round((20 * 0.3 + output * 2.5)) / 1e6, attempts: 1, unknown: 0, prices: '2026-12-06' });
  }, 120_000);

  it('fails the turn on a stream cut midway (its hook says the turn ended; the screen says it failed), and the retry succeeds; a 500 it retries itself', async (t) => {
    const w = await geminiWorld(t);
    w.api.queue({ kind: 'break' });
    await dropTask(w.project, 'flaky.md', 'Survive the outage.\n');
    const c = w.start();
    const r = await w.waitDone('flaky.md');
    expect(r).toMatchObject({ outcome: 'done', attempts: 2, lastMessage: 'Finished flaky.md: nothing to change.' });
    expect(r.history.map((h: { outcome: string }) => h.outcome)).toEqual(['failed', 'done']);
    expect(r.history[0].reason).toMatch(/^the agent showed an error: ✕ \[API Error: /);
    expect(logged(c, 'task will be retried')).toHaveLength(1);
    // 0.61 ends a failed turn with AfterAgent too, its response "[no response text]".
    const events = await w.events('ccl-auto-1');
    expect(events.map((e) => e.hook_event_name)).toEqual(['SessionStart', 'BeforeAgent', 'AfterAgent', 'SessionStart', 'BeforeAgent', 'AfterAgent']);
    expect(events[2]!.prompt_response).toBe('[no response text]');

    // A 500 is retried by the CLI itself, within the turn: the task is done at its first attempt.
    w.api.queue({ kind: 'server-error' });
    await dropTask(w.project, 'blip.md', 'Ride out a blip.\n');
    const blip = await w.waitDone('blip.md');
    expect(blip).toMatchObject({ outcome: 'done', attempts: 1, lastMessage: 'Finished blip.md: nothing to change.' });
    expect(w.api.turns().map((t) => t.behaviour)).toEqual(['break', 'answer', 'server-error', 'answer']);
  }, 120_000);

  it('answers the usage-limit dialog with Stop, cools down, keeps the attempt, then succeeds', async (t) => {
    const w = await geminiWorld(t, { afterFailure: '2s' });
    // A per-day quota: the CLI gives up at once and shows its dialog. It names a reset only for a wait of
    // more than five minutes (the fixture usage-limit-reset.txt); here there is none, so the cooldown is
    // afterFailure.
    w.api.queue({ kind: 'rate-limit', resetAt: () => Date.now() + 20_000 });
    await dropTask(w.project, 'limited.md', 'Hit the limit once.\n');
    const c = w.start();
    const r = await w.waitDone('limited.md', 60_000);
    expect(r).toMatchObject({ outcome: 'done', attempts: 1 });
    expect(r.history.map((h: { outcome: string }) => h.outcome)).toEqual(['limited', 'done']);
    expect(r.history[0].reason).toMatch(/usage or rate limit: .*Usage limit reached for gemini-2\.5-flash/);
    expect(logged(c, 'answered a dialog').map((l) => `${l.dialog}:${l.choose}`)).toEqual(['rate-limit-options:Stop']);
    const cooldown = c.lines.find((l) => l.msg === 'transition' && l.from === 'stopping' && l.to === 'cooldown')!;
    const retried = c.lines.find((l) => l.msg === 'task will be retried')!;
    expect(Date.parse(retried.retryAt as string) - (cooldown.time as number)).toBeLessThanOrEqual(2_500);
    expect(w.api.turns().map((t) => t.behaviour)).toEqual(['rate-limit', 'answer']);
    expect(logged(c, 'the agent did not exit when asked')).toEqual([]);
  }, 120_000);

  it('delivers a 20 KB multi-line task with quotes, $(...), backticks, ; and non-ASCII byte for byte', async (t) => {
    await expectHostileTaskWhole(await geminiWorld(t), { received: lastUserParts, promptEvent: 'BeforeAgent' });
  }, 90_000);

  it('runs two tasks at once on two pool sessions', async (t) => {
    const [left, right] = await expectTwoAtOnce(await geminiWorld(t, { size: 2 }));
    // 0.61's AfterAgent repeats pieces of a streamed answer after it ("Finished left.md: nothing to change.
    // left.md:  nothing t o change."); the screen shows it once.
    expect(left.lastMessage.startsWith('Finished left.md: nothing to change.')).toBe(true);
    expect(right.lastMessage.startsWith('Finished right.md: nothing to change.')).toBe(true);
  }, 90_000);

  it('resumes an agent session named in the front matter with --resume', async (t) => {
    const w = await geminiWorld(t);
    await dropTask(w.project, 'first.md', 'Remember the word "banana".\n');
    const c = w.start();
    const first = await w.waitDone('first.md');
    await dropTask(w.project, 'second.md', `---\nresume: ${first.agentSessionId}\n---\nWhat was the word?\n`);
    const second = await w.waitDone('second.md');
    expect(second).toMatchObject({ outcome: 'done', agentSessionId: first.agentSessionId });
    const launches = logged(c, 'launched agent').map((l) => l.argv as string[]);
    expect(launches[1]).toEqual(expect.arrayContaining(['--resume', first.agentSessionId]));
    expect(launches[1]).not.toContain('--session-id');
    const asked = JSON.stringify(w.api.turns()[1]!.body.contents);
    expect(asked).toContain('Remember the word \\"banana\\".');
    expect(asked).toContain('Finished first.md: nothing to change.');
    expect(lastUserParts(w.api.turns()[1]!.body)).toBe(`[second.md] What was the word?${SUFFIX}`);
  }, 90_000);
});

/**
 * Not a test: rewrites the screen fixtures in test/fixtures/screens/gemini-<version>/ from the real CLI
 * (`AGENTPOOL_CAPTURE_SCREENS=1 npx vitest run test/integration/gemini.test.ts -t capture`). The
 * expectations in expected.json are kept by hand.
 */
if (process.env.AGENTPOOL_CAPTURE_SCREENS && CLI.exe) {
  describe('capture', () => {
    it('captures the screens of Gemini CLI', async () => {
      const api = await startFakeGemini();
      const dir = await mkdtemp(join(await privateParent(), 'agentpool-capture-'));
      try {
        const home = join(dir, 'home');
        const project = join(dir, 'project');
        await mkdir(project, { recursive: true });
        await prepareHome(home);
        const argv = [CLI.exe!, ...SHIPPED_PROFILES.gemini!.command.slice(1).filter((w) => w !== '{...sessionArgs}').map((w) => w.replace('{model}', 'gemini-2.5-flash'))];
        const out = process.env.AGENTPOOL_CAPTURE_INTO || join(REPO_ROOT, 'test', 'fixtures', 'screens', `gemini-${VERSION}`);
        const env = { HOME: home, GEMINI_API_KEY: API_KEY, GOOGLE_GEMINI_BASE_URL: api.url };
        // The trust question, which the profile's --skip-trust keeps away.
        await captureScreens({ out, api, cwd: project, env, argv: argv.filter((w) => w !== '--skip-trust'), steps: [{ name: 'trust-dialog', until: /Do you trust the files in this folder\?[\s\S]*╰/ }] });
        const ready = { name: '', until: /Type your message or @path\/to\/file/ };
        // Each failure in an agent of its own, as agentpool runs them: one task per agent.
        for (const steps of [
          [
            { name: 'ready', until: /Type your message or @path\/to\/file/ },
            { name: 'busy', queue: [{ kind: 'slow', chunks: 8, delayMs: 800 }], type: '[t.md] Say hello.', until: /esc to cancel/ },
            { name: 'answered', until: /✦ Finished t\.md: nothing to change\.(?![\s\S]*esc to cancel)/ },
          ],
          [ready, { name: 'error-stream-cut', queue: [{ kind: 'break' }], type: 'Again.', until: /\[API Error:/ }],
          [
            ready,
            { name: 'usage-limit-reset', queue: [{ kind: 'rate-limit', resetAt: () => Date.now() + 20 * 60_000 }], type: 'Hit the limit.', until: /Usage limit reached for[\s\S]*╰/ },
          ],
          [ready, { name: 'usage-limit-daily', queue: [{ kind: 'rate-limit', resetAt: () => Date.now() + 60_000 }], type: 'And again.', until: /Keep trying[\s\S]*╰/ }],
        ] as CaptureStep[][]) {
          await captureScreens({ out, api, argv, cwd: project, env, steps });
        }
      } finally {
        await api.close();
        await rm(dir, { recursive: true, force: true });
      }
    }, 180_000);
  });
}
