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
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import { cleanupWorlds, cliWorld, firstEnterPresses, hostileBody, locateCli, logged, SUFFIX, type CliWorld } from '../helpers/cli-world.js';
import { lastInputText, startFakeOpenAI } from '../helpers/fake-openai.js';
import { ensureBuilt } from '../helpers/pool-env.js';
import { defaultAnswer, type StandInBehaviour } from '../helpers/stand-in.js';
import { dropTask } from '../helpers/tasks.js';

const PINNED = '0.171.0';
const VERSION = process.env.AGENTPOOL_CODEX_VERSION?.trim() || PINNED;
const CLI = locateCli('codex', VERSION, PINNED);
if (CLI.skip) console.warn(`SKIPPING the Codex CLI tests: ${CLI.skip}`);

// What a developer's own session exports must not reach these agents.
for (const k of Object.keys(process.env)) if (/^(CODEX_|OPENAI_)/.test(k)) delete process.env[k];

afterEach(cleanupWorlds);

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

async function codexWorld(o: { size?: number; afterFailure?: string } = {}): Promise<CliWorld> {
  const api = await startFakeOpenAI();
  return cliWorld({
    cli: 'codex', api, ...o,
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

describe.skipIf(CLI.skip !== undefined)(`the real Codex CLI ${VERSION} through the codex profile${CLI.skip ? ` (skipped: ${CLI.skip})` : ''}`, () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('ready → submitted → done, with the session id and transcript its hooks report', async () => {
    const w = await codexWorld();
    await dropTask(w.project, 'hello.md', '---\ntitle: Greet\n---\nSay hello to the pool.\n');
    const c = w.start();
    const r = await w.waitDone('hello.md');

    const prompt = `[hello.md] Say hello to the pool.${SUFFIX}`;
    expect(r).toMatchObject({ outcome: 'done', attempts: 1, session: 'ccl-auto-1', model: 'gpt-standin', lastMessage: defaultAnswer(prompt) });
    expect(r.agentSessionId).toMatch(UUID);
    expect(r.transcriptPath).toMatch(new RegExp(`/\\.codex/sessions/.*rollout-.*${r.agentSessionId}\\.jsonl$`));
    expect(existsSync(r.transcriptPath)).toBe(true);
    expect(await readFile(r.transcriptPath, 'utf8')).toContain('Say hello to the pool.');
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
});

export type { StandInBehaviour };
