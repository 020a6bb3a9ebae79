#!/usr/bin/env node
/**
 * A stand-in for Claude Code's TUI, for tests and the demo: same flags, same hooks, a screen that the
 * `fake` profile's patterns read like Claude's, and switches to misbehave (slow start, first-run dialog,
 * crash, hang, usage limit, API error, a lost Enter). Dependency-free; see fake-agent/options.ts for flags.
 *
 * Contract callers rely on: a prompt counts as submitted when Enter arrives with a non-empty box outside a
 * paste; it is then logged (--log), UserPromptSubmit fires, and after the work Stop (or StopFailure) fires
 * before the screen goes idle again. Enter while busy is ignored (the text stays in the box).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadHooks, runHooks, type HookEvent } from './fake-agent/hooks.js';
import { feed, flush, initialInputState, type InputEvent } from './fake-agent/input.js';
import { doEdits } from './fake-agent/edit.js';
import { parseOptions } from './fake-agent/options.js';
import { appendPaste, appendText, backspace, display, expand, type Segment } from './fake-agent/prompt-box.js';
import { DIALOG_OPTIONS, firstLine, render, truncate, type HistoryEntry, type Phase } from './fake-agent/screen.js';

let opts: ReturnType<typeof parseOptions>;
let hooks: ReturnType<typeof loadHooks>;
try {
  opts = parseOptions(process.argv.slice(2), process.env);
  hooks = loadHooks(opts.settings);
} catch (err) {
  process.stderr.write(`fake-agent: ${(err as Error).message}\n`);
  process.exit(2);
}

const cwd = process.cwd();
const sessionId = opts.resume ?? opts.sessionId ?? randomUUID();
/** This process, in its log: in a sandbox every agent has the same small pid. */
const runId = randomUUID();
// Claude's transcript location; named in payloads, and written (in Claude's format) only under --transcripts.
const transcriptPath = join(opts.transcripts ?? join(homedir(), '.claude', 'projects'), cwd.replace(/\//g, '-'), `${sessionId}.jsonl`);

interface Turn {
  promptId: string;
  entry: HistoryEntry;
  timer?: NodeJS.Timeout;
  over: boolean;
}

let phase: Phase = 'starting';
let box: Segment[] = [];
let pastes = 0;
let dialogCursor = 0;
let enterSwallowed = false;
let turnsFinished = 0;
let turn: Turn | null = null;
/** A prompt submitted while a turn ran: like Claude, it runs when that turn ends. */
let queued: string | null = null;
const history: HistoryEntry[] = [];
let inputState = initialInputState;
let escTimer: NodeJS.Timeout | undefined;

function draw(): void {
  const lines = render({
    phase, model: opts.model, cwd, columns: process.stdout.columns ?? 80, history, input: display(box), dialogCursor,
  });
  // Redraw everything every time: simple, and a capture never sees a half-updated screen for long. Each line
  // overwrites the last frame's (erasing its rest), then what is below goes: a clear from the top-left
  // corner would push every frame into the pane's scrollback (tmux's scroll-on-clear).
  process.stdout.write(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\r\n')}\x1b[J`);
}

function exit(code: number, stderr = ''): never {
  try {
    process.stdout.write('\x1b[?2004l\x1b[?25h\r\n');
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    if (stderr) process.stderr.write(stderr);
  } catch {
    // The terminal may already be gone (SIGHUP); exiting matters more.
  }
  process.exit(code);
}

async function fire(event: HookEvent, fields: object): Promise<void> {
  const payload = { session_id: sessionId, transcript_path: transcriptPath, cwd, hook_event_name: event, ...fields };
  const failures = await runHooks(hooks[event] ?? [], payload, cwd);
  // Claude shows a failed hook and carries on; so does this.
  const lines = failures.map((f) => `  ⎿  ${event} ${f}`);
  if (lines.length && event === 'SessionStart') history.push({ prompt: null, lines });
  else history.at(-1)?.lines.push(...lines);
}

async function start(): Promise<void> {
  draw();
  if (opts.startMs) await new Promise((r) => setTimeout(r, opts.startMs));
  if (opts.dialog) {
    phase = 'dialog';
    draw();
  } else await becomeReady();
}

async function becomeReady(): Promise<void> {
  phase = 'starting';
  await fire('SessionStart', { source: opts.resume ? 'resume' : 'startup', model: opts.model });
  phase = 'idle';
  draw();
}

function onDialog(ev: InputEvent): void {
  if (ev.type === 'key' && (ev.key === 'up' || ev.key === 'down')) dialogCursor = ev.key === 'up' ? 0 : 1;
  else if (ev.type === 'text' && /^[12]$/.test(ev.text)) void choose(Number(ev.text) - 1);
  else if (ev.type === 'key' && ev.key === 'enter') void choose(dialogCursor);
  else if (ev.type === 'key' && (ev.key === 'escape' || ev.key === 'interrupt')) exit(1);
}

async function choose(option: number): Promise<void> {
  if (DIALOG_OPTIONS[option] === 'No, exit') exit(1);
  await becomeReady();
}

function onPrompt(ev: InputEvent): void {
  if (ev.type === 'text') box = appendText(box, ev.text);
  else if (ev.type === 'paste') {
    box = appendPaste(box, pastes + 1, ev.text);
    if (box.at(-1)?.kind === 'paste') pastes += 1; // ids count placeholders over the whole session
  }
  else if (ev.key === 'backspace') box = backspace(box);
  else if (ev.key === 'escape' && turn) interrupt(turn);
  else if (ev.key === 'interrupt') {
    // Like Claude: C-c stops a turn, else clears a non-empty box, else exits.
    if (turn) interrupt(turn);
    else if (box.length) box = [];
    else exit(0);
  } else if (ev.key === 'enter') {
    if (opts.ignoreFirstEnter && !enterSwallowed) enterSwallowed = true;
    else if (expand(box).trim()) {
      const prompt = expand(box);
      box = [];
      if (turn) queued = prompt;
      else if (prompt.trim() === '/exit') exit(0);
      else void runTurn(prompt);
    }
  }
}

async function runTurn(prompt: string): Promise<void> {
  const t: Turn = { promptId: randomUUID(), entry: { prompt, lines: [] }, over: false };
  turn = t;
  phase = 'busy';
  history.push(t.entry);
  if (opts.log) {
    const line = { ts: new Date().toISOString(), pid: process.pid, run: runId, sessionId, model: opts.model, cwd, argv: process.argv.slice(2), prompt };
    appendFileSync(opts.log, `${JSON.stringify(line)}\n`);
  }
  draw();
  await fire('UserPromptSubmit', { prompt_id: t.promptId, prompt });
  if (t.over) return;
  // The work is done first, so a turn that then fails or crashes leaves it behind as a real agent would.
  if (opts.edit) t.entry.lines.push(...doEdits(prompt, cwd, opts.commit).map((l) => `  ⎿  ${l}`));
  if (opts.usageLimit !== undefined) {
    t.entry.lines.push(opts.usageLimit);
    return finish(t, 'StopFailure', { error: 'rate_limit', last_assistant_message: opts.usageLimit });
  }
  if (opts.failWith !== undefined) {
    const message = `API Error: ${opts.failWith} (fake)`;
    t.entry.lines.push(`● ${message}`);
    return finish(t, 'StopFailure', { error: opts.failWith, last_assistant_message: message });
  }
  // Its answer's first streamed copy goes to the transcript as the turn starts (what it consumed so far).
  const message = opts.transcripts ? startTranscript(prompt) : null;
  if (opts.hang) return;
  if (opts.crash) {
    t.timer = setTimeout(() => exit(3, 'fatal: fake crash\n'), opts.workMs / 2);
    return;
  }
  t.timer = setTimeout(() => {
    const answer = `Done: ${truncate(firstLine(prompt), 50)}`;
    t.entry.lines.push(`● ${answer}`);
    if (message) endTranscript(message, answer);
    draw();
    void finish(t, 'Stop', { last_assistant_message: answer });
  }, opts.workMs);
}

async function finish(t: Turn, event: HookEvent, fields: object): Promise<void> {
  // The screen shows the turn over before its hook says so: a log saved when the hook arrives ends with the
  // answer and the prompt, not "Working…". Input until the hook is written still queues behind the turn.
  if (!t.over) {
    phase = 'idle';
    draw();
  }
  await fire(event, { prompt_id: t.promptId, ...fields });
  if (t.over) return;
  t.over = true;
  turn = null;
  phase = 'idle';
  turnsFinished += 1;
  if (opts.exitAfter && turnsFinished >= opts.exitAfter) exit(0);
  const next = queued;
  queued = null;
  if (next !== null && next.trim() === '/exit') exit(0);
  if (next !== null) void runTurn(next);
  draw();
}

/** Stops a turn without a Stop hook, as Claude does when the user interrupts. */
function interrupt(t: Turn): void {
  clearTimeout(t.timer);
  t.over = true;
  t.entry.lines.push('  ⎿  Interrupted');
  turn = null;
  phase = 'idle';
}

function onInput(chunk: string): void {
  clearTimeout(escTimer);
  const r = feed(inputState, chunk);
  inputState = r.state;
  handle(r.events);
  // A lone ESC is the Escape key only if nothing follows it soon.
  if (r.state.pending) {
    escTimer = setTimeout(() => {
      const f = flush(inputState);
      inputState = f.state;
      handle(f.events);
    }, 30);
  }
}

function handle(events: InputEvent[]): void {
  if (!events.length) return;
  for (const ev of events) {
    if (phase === 'dialog') onDialog(ev);
    else if (phase === 'idle' || phase === 'busy') onPrompt(ev);
    // While starting, keys are dropped: nothing is listening yet.
  }
  draw();
}

if (process.stdin.isTTY) process.stdin.setRawMode(true);
process.stdin.setEncoding('utf8');
process.stdin.on('data', onInput);
process.stdin.on('end', () => exit(0));
process.stdout.on('error', () => exit(0));
process.stdout.on('resize', draw);
for (const sig of ['SIGTERM', 'SIGHUP'] as const) process.on(sig, () => exit(0));
// Bracketed paste on, cursor hidden (the box draws its own).
process.stdout.write('\x1b[?2004h\x1b[?25l');
void start();

/** Claude's model ids for its aliases: what a transcript names, and what prices match. */
const MODEL_IDS: Record<string, string> = { sonnet: 'claude-sonnet-4-5-20250929', opus: 'claude-opus-4-5-20251101', haiku: 'claude-haiku-4-5-20251001' };

/**
 * One turn in Claude Code's transcript format (src/costs/claude-transcript.ts reads it): the prompt and
 * the answer's first streamed copy as the turn starts (all of `--usage` but one output token), then its
 * last copy, with the whole usage, as it ends: Claude writes a message once per block it streams, with the
 * same id, and the last copy is the one that counts.
 */
function startTranscript(prompt: string): string {
  const id = `msg_fake_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  writeTurn([{ type: 'user', timestamp: new Date().toISOString(), sessionId, cwd, message: { role: 'user', content: prompt } }, assistantEntry(id, '', 1)]);
  return id;
}

function endTranscript(id: string, answer: string): void {
  writeTurn([assistantEntry(id, answer, Number(opts.usage.split(',')[1]))]);
}

function assistantEntry(id: string, text: string, output: number): object {
  const [input, , w5m, w1h, read] = opts.usage.split(',').map(Number) as [number, number, number, number, number];
  return {
    type: 'assistant', timestamp: new Date().toISOString(), sessionId, cwd, isSidechain: false,
    message: {
      id, type: 'message', role: 'assistant', model: MODEL_IDS[opts.model] ?? opts.model, content: [{ type: 'text', text }],
      usage: { input_tokens: input, output_tokens: output, cache_creation_input_tokens: w5m + w1h, cache_read_input_tokens: read, cache_creation: { ephemeral_5m_input_tokens: w5m, ephemeral_1h_input_tokens: w1h } },
    },
  };
}

function writeTurn(lines: object[]): void {
  mkdirSync(dirname(transcriptPath), { recursive: true });
  appendFileSync(transcriptPath, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}
