// How long a long task takes to reach the fake agent, per tmux transport: the pieces pasted (as the
// controller cuts them, the fake profile's pasteChunk), the screen showing the whole paste, and the Enter
// taken (its UserPromptSubmit hook event in the events file). Prints its figures; asserts nothing.
//
//   node bench/paste.mjs            SIZES=100,500,1000 (KB)  SHAPES=single,multi  TRANSPORTS=exec,control
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

const dist = (p) => import(join(ROOT, 'dist', p));
const { ExecTmuxClient } = await dist('tmux/exec-client.js');
const { ControlTmuxClient } = await dist('tmux/control-client.js');
const { splitForPaste } = await dist('agents/paste.js');
const { hookSettings } = await dist('drivers/claude-hooks.js');
const { summarizeEvents } = await dist('agents/events.js');
const { SHIPPED_PROFILES } = await dist('config/profiles.js');

const SIZES = (process.env.SIZES ?? '100,500,1000').split(',').map(Number);
const SHAPES = (process.env.SHAPES ?? 'single,multi').split(',');
const TRANSPORTS = (process.env.TRANSPORTS ?? 'exec,control').split(',');
/** The paste has shown once the screen has not changed for this long (the figures are of its last change). */
const QUIET_MS = 1_500;

const dir = mkdtempSync(join(tmpdir(), 'agentpool-bench-'));
const tmuxDir = (process.env.TMUX_TMPDIR = mkdtempSync(join(tmpdir(), 'agentpool-bench-tmux-')));
delete process.env.TMUX;
delete process.env.TMUX_PANE;
const socket = `apbench-paste-${process.pid}`;
process.on('exit', () => {
  spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
  rmSync(tmuxDir, { recursive: true, force: true });
});

/** Text of about `kb` KB (1,000 bytes) that never repeats a screen: numbered words, one line or lines of ~80. */
function text(kb, shape) {
  const words = [];
  let n = 0;
  for (let len = 0; len < kb * 1000; n++) {
    const w = `w${n.toString(36)}`;
    words.push(w);
    len += w.length + 1;
  }
  if (shape === 'single') return words.join(' ').slice(0, kb * 1000);
  const lines = [];
  for (let i = 0; i < words.length; i += 12) lines.push(words.slice(i, i + 12).join(' '));
  return lines.join('\n').slice(0, kb * 1000);
}

const ms = (t) => Math.round(t);
const now = () => performance.now();

async function one(tmux, transport, kb, shape, seq) {
  const session = `paste-${seq}`;
  const events = join(dir, `${session}.events.jsonl`);
  const settings = join(dir, `${session}.settings.json`);
  writeFileSync(events, '');
  writeFileSync(settings, JSON.stringify(hookSettings(events)));
  const argv = [process.execPath, join(ROOT, 'dist/agents/fake-agent.js'), '--model', 'bench', '--settings', settings, '--work-ms', '100000', '--log', join(dir, `${session}.log`)];
  const ids = await tmux.newSession({ name: session, cwd: dir, command: argv, options: { '@agentpool-pool': 'bench' }, width: 200, height: 50 });
  const pane = ids.paneId;
  const screen = () => tmux.capturePane(pane);
  const deadline = Date.now() + 30_000;
  while (!/^─{8,}\n❯ /m.test(await screen())) {
    if (Date.now() > deadline) throw new Error('the fake agent never showed its prompt');
    await new Promise((r) => setTimeout(r, 20));
  }
  const message = text(kb, shape);
  const pieces = splitForPaste(message, SHIPPED_PROFILES.fake.pasteChunk);
  const before = await screen();
  const t0 = now();
  // The screen, watched from the first piece on: when it first changed, when it last did (the agent had
  // read the whole paste), the longest it held still after tmux took the last piece.
  let last = before;
  let firstChange = null;
  let lastChange = null;
  let longestGap = 0;
  let delivered = null;
  const watching = (async () => {
    for (;;) {
      const s = await screen();
      const t = now() - t0;
      if (s !== last) {
        if (firstChange === null) firstChange = t;
        // Only once tmux took every piece: from then on, stillness is what the driver reads as "shown".
        if (delivered !== null) longestGap = Math.max(longestGap, t - Math.max(lastChange ?? 0, delivered));
        lastChange = t;
        last = s;
      } else if (delivered !== null && t - Math.max(lastChange ?? 0, delivered) > QUIET_MS) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await tmux.pasteTexts(pane, pieces);
  delivered = now() - t0;
  await watching;
  const tEnter = now();
  await tmux.sendKeys(pane, ['Enter']);
  let prompted = null;
  while (prompted === null) {
    const summary = summarizeEvents(readFileSync(events, 'utf8'));
    if (summary.prompts.length) prompted = now() - tEnter;
    else if (now() - tEnter > 120_000) throw new Error('no UserPromptSubmit within 120 s');
    else await new Promise((r) => setTimeout(r, 10));
  }
  const logged = existsSync(join(dir, `${session}.log`)) ? readFileSync(join(dir, `${session}.log`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  const whole = logged.length === 1 && logged[0].prompt === message;
  await tmux.killSession(ids.sessionId);
  return { transport, shape, kb, pieces: pieces.length, delivered, firstChange, shown: lastChange, longestGap, prompted, whole };
}

const rows = [];
let seq = 0;
// One session that stays, so the server lives between runs and the control client has a session to attach to.
const keeper = new ExecTmuxClient({ socket });
await keeper.newSession({ name: 'keeper', cwd: dir, command: ['sh', '-c', 'exec tail -f /dev/null'], options: { '@agentpool-pool': 'bench' } });
for (const transport of TRANSPORTS) {
  const tmux = transport === 'control' ? new ControlTmuxClient({ socket }) : new ExecTmuxClient({ socket });
  for (const shape of SHAPES) {
    for (const kb of SIZES) {
      const r = await one(tmux, transport, kb, shape, ++seq);
      rows.push(r);
      console.log(
        `${transport.padEnd(7)} ${shape.padEnd(6)} ${String(kb).padStart(5)} KB  ${String(r.pieces).padStart(5)} pieces  tmux took them ${ms(r.delivered)} ms  ` +
        `first shown ${ms(r.firstChange ?? NaN)} ms  whole shown ${ms(r.shown ?? NaN)} ms (longest still ${ms(r.longestGap)} ms)  ` +
        `Enter → prompt hook ${ms(r.prompted)} ms  received whole: ${r.whole}`,
      );
    }
  }
  await tmux.close?.();
}

console.log('\n| transport | shape | size | pieces | tmux took every piece | whole paste shown | agent behind tmux | per KB | longest still while showing | Enter → prompt hook event |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const lag = Math.max(0, (r.shown ?? r.delivered) - r.delivered);
  console.log(`| ${r.transport} | ${r.shape} | ${r.kb} KB | ${r.pieces} | ${ms(r.delivered)} ms | ${ms(r.shown ?? NaN)} ms | ${ms(lag)} ms | ${(lag / r.kb).toFixed(2)} ms | ${ms(r.longestGap)} ms | ${ms(r.prompted)} ms |`);
}
await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
