/**
 * The real Codex CLI (the pinned version scripts/setup-cli.sh installs) driven by the controller through the
 * shipped `codex` profile, against a loopback stand-in for the OpenAI Responses API
 * (test/helpers/fake-openai.ts). Offline: the CLI is pointed at the stand-in by a custom model provider in
 * its own config, and its plugin sync, update check and analytics are off, so nothing leaves 127.0.0.1.
 *
 * These skip, saying why, only when the CLI could not be installed. AGENTPOOL_CODEX_VERSION runs them
 * against another version (`bash scripts/setup-cli.sh codex <version>` first; `npm run test:agents-latest`).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import { cliWorld, diagnose, firstEnterPresses, expectHostileTaskWhole, expectTwoAtOnce, locateCli, logged, SUFFIX, type CliWorld } from '../helpers/cli-world.js';
import { lastInputText, startFakeOpenAI, type OpenAIBehaviour } from '../helpers/fake-openai.js';
import { ensureBuilt, REPO_ROOT } from '../helpers/pool-env.js';
import { captureScreens, type CaptureStep } from '../helpers/capture-screens.js';
import { defaultAnswer, type StandIn } from '../helpers/stand-in.js';
import { dropTask } from '../helpers/tasks.js';

const PINNED = '0.171.0';
const VERSION = process.env.AGENTPOOL_CODEX_VERSION?.trim() || PINNED;
const CLI = locateCli('codex', VERSION, PINNED);
if (CLI.skip) console.warn(`SKIPPING the Codex CLI tests: ${CLI.skip}`);

// What a developer's own session exports must not reach these agents.
for (const k of Object.keys(process.env)) if (/^(CODEX_|OPENAI_)/.test(k)) delete process.env[k];

/**
 * Codex's own config: the stand-in as a custom provider (no login, no websocket), no retries of its own (a
 * failed request fails the turn at once), and nothing that reaches out at startup.
 */
async function prepareHome(home: string, apiUrl: string): Promise<void> {
  await mkdir(join(home, '.codex'), { recursive: true });
  await writeFile(join(home, '.codex', 'config.toml'), [
    'model_provider = "standin"',
    'check_for_update_on_startup = false',
    '[analytics]',
    'enabled = false',
    '[features]',
    'plugins = false',
    'apps = false',
    'remote_plugin = false',
    '[model_providers.standin]',
    'name = "Stand-in"',
    `base_url = "${apiUrl}/v1"`,
    'env_key = "STANDIN_API_KEY"',
    'wire_api = "responses"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
  ].join('\n'));
}

async function codexWorld(t: TestContext, o: { size?: number; afterFailure?: string; resync?: string; sandbox?: boolean } = {}): Promise<CliWorld> {
  const api = await startFakeOpenAI();
  const { sandbox, ...rest } = o;
  return cliWorld({
    test: t, cli: 'codex', api, ...rest,
    ...(sandbox ? { sandbox } : {}),
    // The shipped profile's argv with the real executable as command[0]: what the README tells users to write.
    agent: {
      command: [CLI.exe!, ...SHIPPED_PROFILES.codex!.command.slice(1)],
      env: { STANDIN_API_KEY: 'sk-agentpool-test' },
      models: { critical: 'gpt-standin', high: 'gpt-standin', default: 'gpt-standin', low: 'gpt-standin-mini' },
    },
    prepareHome: async (home) => prepareHome(home, api.url),
  }).then(async (w) => {
    await w.env.writeConfig({ agents: { codex: { env: { HOME: w.home, CODEX_HOME: join(w.home, '.codex') } } } });
    return w;
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Two tests at a time (maxConcurrency in vitest.config.ts), each in its own world: the usage-limit test
// comes first, and mostly waits for its reset while the others run.
describe.skipIf(CLI.skip !== undefined)(`the real Codex CLI ${VERSION} through the codex profile${CLI.skip ? ` (skipped: ${CLI.skip})` : ''}`, { concurrent: true }, () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('cools down until the reset its usage-limit message names, keeps the attempt, then succeeds', async (t) => {
    const w = await codexWorld(t, { afterFailure: '10m' });
    // Codex shows the reset to the minute ("Try again at 4:31 AM."): a reset on a minute boundary at least
    // 15 s after the 429, so the agent is gone before it. The wait is 15-75 s.
    let resetAt = 0;
    w.api.queue({ kind: 'rate-limit', resetAt: () => (resetAt = Math.ceil((Date.now() + 15_000) / 60_000) * 60_000) });
    await dropTask(w.project, 'limited.md', 'Hit the limit once.\n');
    const c = w.start();
    await c.waitForLine((l) => l.msg === 'transition' && l.from === 'stopping' && l.to === 'cooldown', 'cooldown after the limit', 30_000);
    const until = Number((await w.env.tmux.run('show-options', '-v', '-t', 'ccl-auto-1', '@agentpool-until')).trim());
    expect(new Date(until).toISOString()).toBe(new Date(resetAt).toISOString());
    const sidecar = await w.sidecar('limited.md');
    expect(sidecar).toMatchObject({ state: 'queued', attempts: 0, notBefore: resetAt });
    expect(sidecar.history[0]).toMatchObject({ outcome: 'limited', reason: expect.stringMatching(/hit your usage limit\. Try again at/) });

    const r = await w.waitDone('limited.md', 110_000);
    expect(r).toMatchObject({ outcome: 'done', attempts: 1 });
    expect(r.history.map((h: { outcome: string }) => h.outcome)).toEqual(['limited', 'done']);
    expect(r.claimedAt).toBeGreaterThanOrEqual(resetAt);
    expect(w.api.turns().map((t) => t.behaviour)).toEqual(['rate-limit', 'answer']);
    expect(logged(c, 'the agent did not exit when asked')).toEqual([]);
  }, 180_000);


  it('ready → submitted → done in its sandbox, with the session id and transcript its hooks report', async (t) => {
    const w = await codexWorld(t, { sandbox: true });
    await dropTask(w.project, 'hello.md', '---\ntitle: Greet\n---\nSay hello to the pool.\n');
    const c = w.start();
    const r = await w.waitDone('hello.md');

    const prompt = `[hello.md] Say hello to the pool.${SUFFIX}`;
    expect(r).toMatchObject({ outcome: 'done', attempts: 1, session: 'ccl-auto-1', model: 'gpt-standin', lastMessage: defaultAnswer(prompt), sandboxed: true });
    // What the attempt consumed, read from the file its CLI wrote: what the stand-in API reported.
    const tokens = { input: 10, output: Math.ceil(defaultAnswer(prompt).length / 4), cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 };
    expect(r.history.at(-1).usage).toMatchObject({ source: 'codex rollout', messages: 1, tokens });
    expect(r.usage).toMatchObject({ cost: null, attempts: 1 }); // gpt-standin has no price
    expect(r.agentSessionId).toMatch(UUID);
    expect(r.transcriptPath).toMatch(new RegExp(`/\\.codex/sessions/.*rollout-.*${r.agentSessionId}\\.jsonl$`));
    expect(existsSync(r.transcriptPath)).toBe(true);
    expect(await readFile(r.transcriptPath, 'utf8')).toContain('Say hello to the pool.');
    // The task's record is written before the slot's last transition is logged.
    await c.waitForLine((l) => l.msg === 'transition' && l.from === 'stopping' && l.to === 'cooldown', 'the slot cooling down');
    for (const [from, to] of [['launching', 'awaiting-prompt'], ['awaiting-prompt', 'working'], ['working', 'stopping'], ['stopping', 'cooldown']]) {
      expect(c.lines.some((l) => l.from === from && l.to === to), `${from} → ${to}`).toBe(true);
    }
    expect(firstEnterPresses(c)).toEqual([1]);
    const launched = logged(c, 'launched agent')[0]!;
    expect((launched.argv as string[])[0]).toBe(CLI.exe);
    expect(launched.argv).toEqual(expect.arrayContaining(['--model', 'gpt-standin', '--dangerously-bypass-hook-trust']));
    // It was asked to exit, and did.
    await c.waitForLine((l) => l.msg === 'the agent exited when asked', 'the exit');

    // The API saw the task once, whole, in the session the hooks named.
    const turns = w.api.turns();
    expect(turns).toHaveLength(1);
    expect(lastInputText(turns[0]!.body)).toBe(prompt);
    expect(JSON.parse(String(turns[0]!.headers['x-codex-turn-metadata'])).session_id).toBe(r.agentSessionId);
    expect(turns[0]!.headers.authorization).toBe('Bearer sk-agentpool-test');
    const events = await w.events('ccl-auto-1');
    expect(events.map((e) => e.hook_event_name)).toEqual(['SessionStart', 'UserPromptSubmit', 'Stop']);
    expect(events[1]!.prompt).toBe(prompt);
    expect(logged(c, 'could not answer a dialog')).toEqual([]);
    expect(c.lines.filter((l) => (l.level ?? 0) >= 40)).toEqual([]);
  }, 90_000);

  it('counts both API calls of a task that calls a tool, and prices them: its record has their exact tokens and cost', async (t) => {
    const w = await codexWorld(t);
    // The stand-in's model has no list price: the config prices it.
    await w.env.writeConfig({ costs: { pricesDate: '2026-12-06', prices: [{ model: 'gpt-standin', input: 5, output: 30, cacheRead: 0.5 }] } });
    (w.api as StandIn<OpenAIBehaviour>).queue({ kind: 'tool', command: 'echo two-turns' });
    await dropTask(w.project, 'tool.md', 'Run a command, then answer.\n');
    w.start();
    const r = await w.waitDone('tool.md');
    const turns = w.api.turns();
    expect(turns.map((x) => x.behaviour)).toEqual(['tool', 'answer']);
    expect(JSON.stringify(turns[1]!.body.input)).toContain('two-turns');
    const output = 25 + Math.ceil(r.lastMessage.length / 4);
    const tokens = { input: 20, output, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 };
    expect(r.history.at(-1).usage).toMatchObject({ source: 'codex rollout', messages: 2, tokens, byModel: { 'gpt-standin': tokens } });
    expect(r.usage).toEqual({ tokens, cost: (20 * 5 + output * 30) / 1e6, attempts: 1, unknown: 0, prices: '2026-12-06' });
  }, 90_000);

  it('fails the turn on a 500 and on a stream cut midway (the screen says so; no hook does), and the retry succeeds', async (t) => {
    const w = await codexWorld(t);
    w.api.queue({ kind: 'server-error' }, { kind: 'break' });
    await dropTask(w.project, 'flaky.md', 'Survive the outage.\n');
    const c = w.start();
    const r = await w.waitDone('flaky.md');
    expect(r).toMatchObject({ outcome: 'done', attempts: 3, lastMessage: 'Finished flaky.md: nothing to change.' });
    expect(r.history.map((h: { outcome: string }) => h.outcome)).toEqual(['failed', 'failed', 'done']);
    // 0.171 words a 500 as high demand, and a cut stream as a disconnect.
    expect(r.history[0].reason).toMatch(/^the agent showed an error: ■ We’re currently experiencing high demand/);
    expect(r.history[1].reason).toMatch(/^the agent showed an error: ■ .*(stream|disconnect|closed)/i);
    expect(w.api.turns().map((t) => t.behaviour)).toEqual(['server-error', 'break', 'answer']);
    expect(logged(c, 'task will be retried')).toHaveLength(2);
    // A failed turn: a prompt taken, and no Stop.
    const names = (await w.events('ccl-auto-1')).map((e) => e.hook_event_name);
    expect(names).toEqual(['SessionStart', 'UserPromptSubmit', 'SessionStart', 'UserPromptSubmit', 'Stop']);
  }, 90_000);

  it('sees a failed turn, which no hook reports, before the resync: a working agent\'s screen is looked at every second', async (t) => {
    const RESYNC_MS = 60_000;
    const w = await codexWorld(t, { resync: `${RESYNC_MS / 1000}s` });
    // The stream is cut 3 s into the turn: after the passes the prompt's hooks woke, so only a look at the
    // screen can see the failure before the resync.
    w.api.queue({ kind: 'break', delayMs: 3_000 });
    await dropTask(w.project, 'cut.md', 'Lose the connection.\n');
    const started = Date.now();
    const c = w.start();
    // No pass runs by itself before RESYNC_MS after the last one, which came after the start.
    const before = () => started + RESYNC_MS - Date.now();
    const failed = await c.waitForLine((l) => l.msg === 'transition' && l.from === 'working' && l.to === 'stopping', 'the failed turn seen', before())
      .catch(async (err: Error) => {
        throw new Error(`${err.message}\n${await diagnose(w)}`);
      });
    expect(failed.reason).toMatch(/^the agent showed an error: ■ .*(stream|disconnect|closed)/i);

    // The retry waits on triggers and timers too, never on the resync.
    const r = await w.waitDone('cut.md', before());
    expect(r).toMatchObject({ outcome: 'done', attempts: 2 });
    expect(r.history.map((h: { outcome: string }) => h.outcome)).toEqual(['failed', 'done']);
    expect(w.api.turns().map((t) => t.behaviour)).toEqual(['break', 'answer']);
    // No hook said the first turn failed: a prompt taken, and no Stop.
    expect((await w.events('ccl-auto-1')).map((e) => e.hook_event_name)).toEqual(['SessionStart', 'UserPromptSubmit', 'SessionStart', 'UserPromptSubmit', 'Stop']);
  }, 90_000);

  it('delivers a 20 KB multi-line task with quotes, $(...), backticks, ; and non-ASCII byte for byte', async (t) => {
    await expectHostileTaskWhole(await codexWorld(t), { received: lastInputText, promptEvent: 'UserPromptSubmit' });
  }, 90_000);

  it('runs two tasks at once on two pool sessions', async (t) => {
    const [left, right] = await expectTwoAtOnce(await codexWorld(t, { size: 2 }));
    expect(left.lastMessage).toBe('Finished left.md: nothing to change.');
    expect(right.lastMessage).toBe('Finished right.md: nothing to change.');
  }, 90_000);

  it('resumes an agent session named in the front matter with `codex resume <id>`', async (t) => {
    const w = await codexWorld(t);
    await dropTask(w.project, 'first.md', 'Remember the word "banana".\n');
    const c = w.start();
    const first = await w.waitDone('first.md');
    await dropTask(w.project, 'second.md', `---\nresume: ${first.agentSessionId}\n---\nWhat was the word?\n`);
    const second = await w.waitDone('second.md');
    expect(second).toMatchObject({ outcome: 'done', agentSessionId: first.agentSessionId });
    const launches = logged(c, 'launched agent').map((l) => l.argv as string[]);
    expect(launches[1]!.slice(1, 3)).toEqual(['resume', first.agentSessionId]);
    // The second turn carries the first one: the same conversation continued.
    const asked = JSON.stringify(w.api.turns()[1]!.body.input);
    expect(asked).toContain('Remember the word \\"banana\\".');
    expect(asked).toContain('Finished first.md: nothing to change.');
    expect(lastInputText(w.api.turns()[1]!.body)).toBe(`[second.md] What was the word?${SUFFIX}`);
  }, 90_000);
});

/**
 * Not a test: rewrites the screen fixtures in test/fixtures/screens/codex-<version>/ from the real CLI
 * (`AGENTPOOL_CAPTURE_SCREENS=1 npx vitest run test/integration/codex.test.ts -t capture`). The
 * expectations in expected.json are kept by hand.
 */
if (process.env.AGENTPOOL_CAPTURE_SCREENS && CLI.exe) {
  describe('capture', () => {
    it('captures the screens of Codex CLI', async () => {
      const api = await startFakeOpenAI();
      const dir = await mkdtemp(join(tmpdir(), 'agentpool-capture-'));
      try {
        const home = join(dir, 'home');
        const project = join(dir, 'project');
        await mkdir(project, { recursive: true });
        await prepareHome(home, api.url);
        const argv = [CLI.exe!, ...SHIPPED_PROFILES.codex!.command.slice(1).filter((w) => w !== '{...sessionArgs}' && w !== '-c' && w !== '{hooks}').map((w) => w.replace('{model}', 'gpt-standin'))];
        const nextMinute = () => Math.ceil((Date.now() + 120_000) / 60_000) * 60_000;
        const out = process.env.AGENTPOOL_CAPTURE_INTO || join(REPO_ROOT, 'test', 'fixtures', 'screens', `codex-${VERSION}`);
        const env = { HOME: home, CODEX_HOME: join(home, '.codex'), STANDIN_API_KEY: 'sk-agentpool-test' };
        const ready = { name: '', until: /› Ask Codex to do anything/ };
        // Each failure in an agent of its own, as agentpool runs them: one task per agent.
        for (const steps of [
          [
            { name: 'ready', until: /› Ask Codex to do anything/ },
            { name: 'busy', queue: [{ kind: 'slow', chunks: 8, delayMs: 800 }], type: '[t.md] Say hello.', until: /esc to interrupt/ },
            { name: 'answered', until: /Finished t\.md: nothing to change\.[\s\S]*Worked for/ },
          ],
          [ready, { name: 'error-stream-cut', queue: [{ kind: 'break' }], type: 'Again.', until: /^■ /m }],
          [ready, { name: 'error-500', queue: [{ kind: 'server-error' }], type: 'Once more.', until: /^■ /m }],
          [ready, { name: 'usage-limit', queue: [{ kind: 'rate-limit', resetAt: nextMinute }], type: 'Hit the limit.', until: /hit your usage limit/ }],
          [ready, { name: 'usage-limit-other-day', queue: [{ kind: 'rate-limit', resetAt: () => nextMinute() + 30 * 3_600_000 }], type: 'And again.', until: /Try again at [A-Z][a-z]{2} \d/ }],
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
