/**
 * The hook drivers of Codex CLI and Gemini CLI beside Claude Code's: how each takes agentpool's hooks, and
 * what a read says about an agent, over an in-memory backend (no processes).
 */
import { mkdtemp, readFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { sessionFiles } from '../../src/agents/launch.js';
import { privateDir, writePrivateFile as writeFile } from '../../src/agents/private-files.js';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import { DRIVER_TABLE } from '../../src/config/types.js';
import { codexWiring } from '../../src/drivers/codex.js';
import { geminiWiring } from '../../src/drivers/gemini.js';
import { hookTurn, START_SETTLE_MS } from '../../src/drivers/hooks.js';
import { DRIVERS } from '../../src/drivers/index.js';
import { FakeBackend } from '../helpers/fake-backend.js';

const COMMAND = `'/bin/sh' '/opt/agent pool/src/agents/hook.sh' '/state/sessions/s-1/events.jsonl'`;

describe('hook wiring', () => {
  it('gives Codex its hooks as one -c override: an inline TOML table of the events it reports', () => {
    const arg = codexWiring.argv!(COMMAND);
    const entry = `[{hooks=[{type="command",command=${JSON.stringify(COMMAND)}}]}]`;
    expect(arg).toBe(`hooks={SessionStart=${entry},UserPromptSubmit=${entry},Stop=${entry}}`);
    // A quote or backslash in a path stays inside its TOML string.
    expect(codexWiring.argv!(`'/a "b" \\c'`)).toContain('command="\'/a \\"b\\" \\\\c\'"');
    expect(codexWiring.settings(COMMAND)).toEqual({});
  });

  it("gives Gemini its hooks in a settings file, Claude's shape under Gemini's event names", () => {
    const entry = [{ hooks: [{ type: 'command', command: COMMAND }] }];
    expect(geminiWiring.settings(COMMAND)).toEqual({ hooks: { SessionStart: entry, BeforeAgent: entry, AfterAgent: entry } });
    expect(geminiWiring.argv).toBeUndefined();
  });

  it('says where each shipped profile passes the hooks, and each does', () => {
    const passes = (name: string) => {
      const p = SHIPPED_PROFILES[name]!;
      const { placeholder, in: where } = DRIVER_TABLE[p.driver].hooks!;
      return (where === 'command' ? p.command : Object.values(p.env)).some((w) => w.includes(placeholder));
    };
    expect(['claude', 'codex', 'gemini'].map(passes)).toEqual([true, true, true]);
    expect(SHIPPED_PROFILES.gemini!.env).toMatchObject({ GEMINI_CLI_SYSTEM_SETTINGS_PATH: '{settings}' });
  });
});

describe('hookTurn', () => {
  it("tells the turn in the drivers' common terms: a stop event ends it, with what still runs; a StopFailure fails it, a rate_limit one as a limit", () => {
    const prompted = { started: true, prompts: ['x'] };
    expect(hookTurn(prompted)).toEqual({});
    expect(hookTurn({ ...prompted, stop: { lastMessage: 'Build started.', backgroundTasks: ['npm run build'] } }))
      .toEqual({ ended: { lastMessage: 'Build started.', stillRunning: ['npm run build'] } });
    expect(hookTurn({ ...prompted, stopFailure: { error: 'rate_limit', lastMessage: 'API Error: rate limit' } }))
      .toEqual({ failed: { error: 'rate_limit', limited: true, lastMessage: 'API Error: rate limit' } });
    expect(hookTurn({ ...prompted, stopFailure: { error: 'server_error', lastMessage: '' } })).toEqual({ failed: { error: 'server_error', limited: false, lastMessage: '' } });
  });
});

async function world(profile: 'codex' | 'gemini') {
  const stateDir = await mkdtemp(join(tmpdir(), 'agentpool-hooks-'));
  const backend = new FakeBackend();
  const ref = await backend.create('s-1', {});
  const c = { profile: SHIPPED_PROFILES[profile]!, session: 's-1', stateDir, log: pino({ level: 'silent' }) };
  await privateDir(sessionFiles(stateDir, 's-1').dir);
  return { c, io: { backend, ref }, backend, driver: DRIVERS[SHIPPED_PROFILES[profile]!.driver], events: sessionFiles(stateDir, 's-1').events };
}

const GEMINI_READY = [' YOLO Ctrl+Y', ' *   Type your message or @path/to/file', ' workspace (/directory)'].join('\n');

describe('the hook drivers', () => {
  it('prepares a Gemini launch: the settings file named in its env, a fresh events file, the session id in argv', async () => {
    const { c, driver, events } = await world('gemini');
    await writeFile(events, '{"hook_event_name":"SessionStart"}\n');
    const launch = await driver.prepare(c, { model: 'gemini-2.5-flash', project: '/p', agentSessionId: 'id-1', resume: false });
    const files = sessionFiles(c.stateDir, 's-1');
    // CI=true would make Gemini run headless (no screen): its agents never get it.
    expect(launch.env).toEqual({ GEMINI_CLI_SYSTEM_SETTINGS_PATH: files.settings, CI: 'false', GITHUB_ACTIONS: 'false' });
    expect(launch.argv).toEqual(['gemini', '--model', 'gemini-2.5-flash', '--yolo', '--skip-trust', '--session-id', 'id-1']);
    expect(JSON.parse(await readFile(files.settings, 'utf8')).hooks.AfterAgent[0].hooks[0].command).toContain(files.events);
    expect(await readFile(events, 'utf8')).toBe('');
  });

  it('prepares a Codex launch: the hooks in argv, and `resume <id>` first when resuming', async () => {
    const { c, driver } = await world('codex');
    const fresh = await driver.prepare(c, { model: 'gpt-5.5', project: '/p', agentSessionId: '', resume: false });
    expect(fresh.argv.slice(0, 3)).toEqual(['codex', '--model', 'gpt-5.5']);
    expect(fresh.argv.at(-2)).toBe('-c');
    expect(fresh.argv.at(-1)).toMatch(/^hooks=\{SessionStart=/);
    const resumed = await driver.prepare(c, { model: 'gpt-5.5', project: '/p', agentSessionId: 'abc', resume: true });
    expect(resumed.argv.slice(0, 3)).toEqual(['codex', 'resume', 'abc']);
  });

  it('takes a Gemini agent for ready only once its SessionStart hook fired, a moment has passed since, and its screen is not busy', async () => {
    const { c, io, backend, driver, events } = await world('gemini');
    backend.sessions.get(io.ref)!.screen = GEMINI_READY;
    const at = { state: 'awaitingPrompt', dead: false } as const;
    expect((await driver.read(c, io, at)).screen?.ready).toBe(false);
    await writeFile(events, '{"hook_event_name":"SessionStart","session_id":"g-1"}\n');
    // Just after the hook: its old screen may still show (a resumed session clears it and loads next).
    expect((await driver.read(c, io, at)).screen?.ready).toBe(false);
    const ago = (ms: number) => utimes(events, new Date(Date.now() - ms), new Date(Date.now() - ms));
    await ago(START_SETTLE_MS - 300);
    expect((await driver.read(c, io, at)).screen?.ready).toBe(false);
    await ago(START_SETTLE_MS + 10);
    backend.sessions.get(io.ref)!.screen = `  ⠦ Executing Hook: /bin/sh hook.sh\n${GEMINI_READY}`;
    expect((await driver.read(c, io, at)).screen?.ready).toBe(false);
    backend.sessions.get(io.ref)!.screen = GEMINI_READY;
    expect((await driver.read(c, io, at)).screen?.ready).toBe(true);
  });

  it("takes a Gemini turn's end from its hook only once its prompt is back: the error it fails with may be drawn after the hook", async () => {
    const { c, io, backend, driver, events } = await world('gemini');
    await writeFile(events, '{"hook_event_name":"SessionStart"}\n{"hook_event_name":"BeforeAgent","prompt":"x"}\n{"hook_event_name":"AfterAgent","prompt_response":"[no response text]"}\n');
    const at = { state: 'working', dead: false } as const;
    const proc = { dead: false, status: null, signal: null };
    backend.sessions.get(io.ref)!.screen = '  ⠦ Thinking... (esc to cancel, 3s)';
    const early = await driver.read(c, io, at);
    expect(early.turn).toEqual({});
    expect(driver.verdict(c.profile, early, proc, Date.now())).toBeNull();
    backend.sessions.get(io.ref)!.screen = GEMINI_READY;
    const after = await driver.read(c, io, at);
    expect(after.turn?.ended).toBeDefined();
    expect(driver.verdict(c.profile, after, proc, Date.now())).toMatchObject({ outcome: 'done' });
  });

  it('reads the screen of a working Codex agent every pass: no hook reports a failed turn', async () => {
    const { c, io, backend, driver, events } = await world('codex');
    await writeFile(events, '{"hook_event_name":"UserPromptSubmit","prompt":"x","session_id":"c-1"}\n');
    backend.sessions.get(io.ref)!.screen = '› x\n\n■ We’re currently experiencing high demand, which may cause temporary errors.\n\n› Ask Codex to do anything';
    const sig = await driver.read(c, io, { state: 'working', dead: false });
    expect(sig.prompted).toBe(true);
    expect(sig.turn).toEqual({});
    const v = driver.verdict(c.profile, sig, { dead: false, status: null, signal: null }, Date.now());
    expect(v).toMatchObject({ outcome: 'failed', reason: 'the agent showed an error: ■ We’re currently experiencing high demand, which may cause temporary errors.' });
    expect(await driver.identity(c)).toEqual({ agentSessionId: 'c-1' });
  });
});
