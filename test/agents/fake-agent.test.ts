/**
 * The fake agent driven through a real tmux server, the way agentpool drives Claude Code: buffers and
 * bracketed paste for text, a separate Enter, screen captures read with the `fake` profile's patterns.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import { testTmux, waitFor, type TestTmux } from '../helpers/tmux-server.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const agentJs = join(repo, 'dist/agents/fake-agent.js');
const screen = SHIPPED_PROFILES.fake!.screen;
const matchesAny = (patterns: string[], text: string) => patterns.some((p) => new RegExp(p, 'm').test(text));

beforeAll(async () => {
  // Other parts of the tree may not compile yet; tsc still emits, and only this program matters here.
  await execa('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], { cwd: repo, reject: false });
  expect(existsSync(agentJs)).toBe(true);
}, 120_000);

let tmux: TestTmux;
let dir: string;

afterEach(async () => {
  await tmux?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface HookPayload {
  hook_event_name: string;
  session_id: string;
  cwd: string;
  transcript_path: string;
  [k: string]: unknown;
}

/** Starts the agent in session `a` with a log and every hook appending its payload to events.jsonl. */
async function startAgent(args: string[] = [], env: Record<string, string> = {}) {
  tmux = testTmux();
  dir = mkdtempSync(join(tmpdir(), 'fake-agent-'));
  const events = join(dir, 'events.jsonl');
  const hook = { hooks: [{ type: 'command', command: `cat >> '${events}'; echo >> '${events}'` }] };
  const settings = { hooks: { SessionStart: [hook], UserPromptSubmit: [hook], Stop: [hook], StopFailure: [hook] } };
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings));
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  await tmux.run(
    'new-session', '-d', '-s', 'a', '-x', '120', '-y', '40', '-c', dir, ...envArgs, '--',
    process.execPath, agentJs, '--log', join(dir, 'log.jsonl'), '--settings', join(dir, 'settings.json'), ...args,
  );
  // Keep the pane after the agent exits so its exit status can be read.
  await tmux.run('set-option', '-t', 'a', 'remain-on-exit', 'on');
  return {
    capture: () => tmux.run('capture-pane', '-p', '-t', 'a'),
    events: (): HookPayload[] =>
      existsSync(events) ? readFileSync(events, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as HookPayload) : [],
    prompts: (): string[] => {
      const log = join(dir, 'log.jsonl');
      return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { prompt: string }).prompt) : [];
    },
    paste: async (text: string) => {
      writeFileSync(join(dir, 'prompt.txt'), text);
      await tmux.run('load-buffer', '-b', 'x', join(dir, 'prompt.txt'));
      await tmux.run('paste-buffer', '-p', '-d', '-b', 'x', '-t', 'a');
    },
    type: (text: string) => tmux.run('send-keys', '-t', 'a', '-l', text),
    keys: (...keys: string[]) => tmux.run('send-keys', '-t', 'a', ...keys),
    /** The exit status once the pane's process has exited (a string, so that "0" counts for waitFor). */
    exitStatus: async () => {
      const [dead, status, serverPid] = (
        await tmux.run('display', '-p', '-t', 'a', '#{pane_dead} #{pane_dead_status} #{pid}')
      ).split(' ');
      if (dead !== '1') return null;
      // tmux 3.3a linked with libutempter can lose the SIGCHLD of a child that exits just after its pty
      // closes (tmux/tmux#311; node usually does): the pane is dead but its status never arrives. Another
      // SIGCHLD to this test's own server makes it reap the child.
      if (!status) process.kill(Number(serverPid), 'SIGCHLD');
      return status || null;
    },
  };
}

type Agent = Awaited<ReturnType<typeof startAgent>>;

const isReady = (s: string) => matchesAny(screen.ready, s) && !matchesAny(screen.busy, s) && !matchesAny(screen.dialog, s);
const waitReady = (a: Agent) => waitFor(async () => isReady(await a.capture()), { what: 'ready screen' });
const waitScreen = (a: Agent, text: string) => waitFor(async () => (await a.capture()).includes(text), { what: text });
const waitEvent = (a: Agent, name: string) =>
  waitFor(() => a.events().find((e) => e.hook_event_name === name), { what: `${name} hook` });

describe('fake agent in tmux', () => {
  it('shows a ready screen that the fake profile reads as ready, not busy', async () => {
    const a = await startAgent(['--model', 'opus']);
    await waitReady(a);
    const s = await a.capture();
    expect(s).toContain('✻ Welcome to Fake Agent (model: opus)');
    expect(s).toContain('? for shortcuts');
    expect(matchesAny(screen.busy, s)).toBe(false);
  });

  it('logs a pasted multi-line prompt byte for byte, and only after a separate Enter', async () => {
    const a = await startAgent();
    await waitReady(a);
    const text = `Fix "the" 'bug' in $(whoami) and \`uname\`; then exit\n\tindented with a tab\nnon-ASCII: é ✓ ❯ 日本 — ok\n\nlast line $HOME ~ #{pane_id} \\ end`;
    await a.paste(text);
    await waitScreen(a, '❯ [Pasted text #1 +4 lines]');
    // The paste arrived and was drawn in one go, so a submit would already show as busy.
    expect(isReady(await a.capture())).toBe(true);
    expect(a.prompts()).toEqual([]);
    await a.keys('Enter');
    await waitFor(() => a.prompts().length === 1, { what: 'logged prompt' });
    expect(a.prompts()).toEqual([text]);
    await waitEvent(a, 'Stop');
    // The first line is 51 characters; the answer keeps 49 of them and an ellipsis.
    await waitScreen(a, '● Done: Fix "the" \'bug\' in $(whoami) and `uname`; then ex…');
    await waitReady(a);
  });

  it('shows esc to interrupt while a turn works, then goes idle', async () => {
    const a = await startAgent(['--work-ms', '2000']);
    await waitReady(a);
    await a.type('hello there');
    await waitScreen(a, '❯ hello there');
    await a.keys('Enter');
    const busy = await waitFor(async () => {
      const s = await a.capture();
      return matchesAny(screen.busy, s) ? s : null;
    }, { what: 'busy screen' });
    // Claude keeps the input box while it works; a visible ❯ does not mean idle.
    expect(matchesAny(screen.ready, busy)).toBe(true);
    await waitReady(a);
    expect(await a.capture()).toContain('● Done: hello there');
  });

  it('fires SessionStart, UserPromptSubmit and Stop in order with Claude-like payloads', async () => {
    const id = '11111111-2222-4333-8444-555555555555';
    const a = await startAgent(['--session-id', id, '--model', 'sonnet']);
    await waitReady(a);
    await a.type('do the thing');
    await a.keys('Enter');
    await waitEvent(a, 'Stop');
    const events = a.events();
    expect(events.map((e) => e.hook_event_name)).toEqual(['SessionStart', 'UserPromptSubmit', 'Stop']);
    for (const e of events) {
      expect(e.session_id).toBe(id);
      expect(e.cwd).toBe(dir);
      expect(e.transcript_path).toMatch(new RegExp(`/\\.claude/projects/${dir.replace(/\//g, '-')}/${id}\\.jsonl$`));
    }
    const [start, submit, stop] = events;
    expect(start).toMatchObject({ source: 'startup', model: 'sonnet' });
    expect(submit).toMatchObject({ prompt: 'do the thing', prompt_id: expect.any(String) });
    expect(stop).toMatchObject({ prompt_id: submit!.prompt_id, last_assistant_message: 'Done: do the thing' });
  });

  it('reports --resume as a resumed session', async () => {
    const a = await startAgent(['--resume', 'abc']);
    const start = await waitEvent(a, 'SessionStart');
    expect(start).toMatchObject({ source: 'resume', session_id: 'abc' });
  });

  it('shows a first-run dialog, not a ready prompt, until Enter picks "Yes"', async () => {
    const a = await startAgent([], { FAKE_AGENT_DIALOG: '1' });
    const s = await waitFor(async () => {
      const c = await a.capture();
      return c.includes('Enter to confirm') ? c : null;
    }, { what: 'dialog' });
    expect(s).toMatch(/^❯ 1\. Yes, continue$/m);
    expect(matchesAny(screen.ready, s)).toBe(false);
    expect(matchesAny(screen.dialog, s)).toBe(true);
    expect(a.events()).toEqual([]);
    await a.keys('Down');
    await waitScreen(a, '❯ 2. No, exit');
    await a.keys('Up');
    await waitScreen(a, '❯ 1. Yes, continue');
    await a.keys('Enter');
    await waitReady(a);
    await waitEvent(a, 'SessionStart');
  });

  it('exits 1 when the dialog answer is "No"', async () => {
    const a = await startAgent(['--dialog']);
    await waitScreen(a, 'Enter to confirm');
    await a.keys('Down');
    await waitScreen(a, '❯ 2. No, exit');
    await a.keys('Enter');
    expect(await waitFor(() => a.exitStatus(), { what: 'exit' })).toBe('1');
  });

  it('swallows the first Enter with --ignore-first-enter and submits on the second', async () => {
    const a = await startAgent(['--ignore-first-enter']);
    await waitReady(a);
    await a.paste('line one\nline two');
    await waitScreen(a, '[Pasted text #1 +1 lines]');
    await a.keys('Enter');
    // Input is handled in order: once the X shows, the Enter before it has been handled too.
    await a.type('X');
    await waitScreen(a, '❯ [Pasted text #1 +1 lines]X');
    expect(a.prompts()).toEqual([]);
    await a.keys('Enter');
    await waitFor(() => a.prompts().length === 1, { what: 'logged prompt' });
    expect(a.prompts()).toEqual(['line one\nline twoX']);
  });

  it('exits 3 halfway through a turn with --crash', async () => {
    const a = await startAgent(['--work-ms', '400'], { FAKE_AGENT_CRASH: '1' });
    await waitReady(a);
    await a.type('crash now');
    await a.keys('Enter');
    expect(await waitFor(() => a.exitStatus(), { what: 'exit' })).toBe('3');
    expect(await a.capture()).toContain('fatal: fake crash');
    expect(a.events().map((e) => e.hook_event_name)).toEqual(['SessionStart', 'UserPromptSubmit']);
  });

  it('answers with the usage-limit text and a rate_limit StopFailure', async () => {
    const limit = "You've hit your session limit · resets 3:15pm (UTC)";
    const a = await startAgent(['--usage-limit', limit]);
    await waitReady(a);
    await a.type('work please');
    await a.keys('Enter');
    const failure = await waitEvent(a, 'StopFailure');
    expect(failure).toMatchObject({ error: 'rate_limit', last_assistant_message: limit, prompt_id: expect.any(String) });
    await waitReady(a);
    const s = await a.capture();
    expect(s).toContain(limit);
    expect(matchesAny(screen.rateLimit, s)).toBe(true);
    expect(a.events().some((e) => e.hook_event_name === 'Stop')).toBe(false);
  });

  it('answers with an API error and a StopFailure of the given kind', async () => {
    const a = await startAgent([], { FAKE_AGENT_FAIL_WITH: 'overloaded' });
    await waitReady(a);
    await a.type('work please');
    await a.keys('Enter');
    const failure = await waitEvent(a, 'StopFailure');
    expect(failure).toMatchObject({ error: 'overloaded', last_assistant_message: 'API Error: overloaded (fake)' });
    await waitReady(a);
    expect(await a.capture()).toContain('● API Error: overloaded (fake)');
  });

  it('is interrupted by Escape while busy, without a Stop hook', async () => {
    const a = await startAgent(['--hang']);
    await waitReady(a);
    await a.type('never ends');
    await a.keys('Enter');
    await waitFor(async () => matchesAny(screen.busy, await a.capture()), { what: 'busy' });
    await a.keys('Escape');
    await waitScreen(a, '⎿  Interrupted');
    await waitReady(a);
    expect(a.events().map((e) => e.hook_event_name)).toEqual(['SessionStart', 'UserPromptSubmit']);
  });

  it('exits 0 on /exit without a hook or a log line', async () => {
    const a = await startAgent();
    await waitReady(a);
    await a.type('/exit');
    await a.keys('Enter');
    expect(await waitFor(() => a.exitStatus(), { what: 'exit' })).toBe('0');
    expect(a.events().map((e) => e.hook_event_name)).toEqual(['SessionStart']);
    expect(a.prompts()).toEqual([]);
  });

  it('queues a prompt submitted while a turn runs, as Claude does: /exit then ends it when the turn ends', async () => {
    const a = await startAgent(['--work-ms', '400']);
    await waitReady(a);
    await a.type('work');
    await a.keys('Enter');
    await waitEvent(a, 'UserPromptSubmit');
    await a.type('/exit');
    await a.keys('Enter');
    expect(await waitFor(() => a.exitStatus(), { what: 'exit' })).toBe('0');
    expect(a.events().map((e) => e.hook_event_name)).toEqual(['SessionStart', 'UserPromptSubmit', 'Stop']);
  });

  it('exits 0 after --exit-after finished turns', async () => {
    const a = await startAgent(['--exit-after', '1', '--work-ms', '50']);
    await waitReady(a);
    await a.type('one');
    await a.keys('Enter');
    expect(await waitFor(() => a.exitStatus(), { what: 'exit' })).toBe('0');
    expect(a.events().map((e) => e.hook_event_name)).toEqual(['SessionStart', 'UserPromptSubmit', 'Stop']);
  });
});
