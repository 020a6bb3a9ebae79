/** The notify command, run for real: what it receives, which events run it, and how a failure is reported. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DesiredState } from '../../src/config/types.js';
import { notify, type Notice } from '../../src/notify/notify.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentpool-notify-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A log that keeps its lines. */
function memoryLog() {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, log: pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l)) }) };
}

/** A notify command that writes its stdin and AGENTPOOL_* variables to `out`. */
const recorder = (out: string): string[] => [
  process.execPath, '-e',
  `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const env=Object.fromEntries(Object.entries(process.env).filter(([k])=>k.startsWith('AGENTPOOL_')));require('fs').writeFileSync(${JSON.stringify(out)},JSON.stringify({stdin:s,env}))})`,
];

const notice: Notice = {
  event: 'done', task: '/p/.agent-queue/done/fix-login.md', project: '/p', session: 'ccl-auto-1', reason: 'the agent finished its turn',
  record: { outcome: 'done', attempts: 1, lastMessage: 'Fixed it.' },
};

const spec = (command: string[], o: Partial<NonNullable<DesiredState['notify']>> = {}): DesiredState['notify'] => ({ command, on: ['done', 'failed', 'stuck'], timeoutMs: 5_000, ...o });

describe('notify', () => {
  it('runs the command without a shell, with the record as JSON on stdin and the facts in AGENTPOOL_* variables', async () => {
    const out = join(dir, 'got.json');
    await notify(spec(recorder(out)), notice, memoryLog().log);
    const got = JSON.parse(await readFile(out, 'utf8'));
    expect(JSON.parse(got.stdin)).toEqual(notice.record);
    expect(got.env).toMatchObject({
      AGENTPOOL_EVENT: 'done', AGENTPOOL_TASK: notice.task, AGENTPOOL_PROJECT: '/p', AGENTPOOL_SESSION: 'ccl-auto-1', AGENTPOOL_REASON: 'the agent finished its turn',
    });
  });

  it('runs only for the events in `on`, and not at all without a notify config', async () => {
    const out = join(dir, 'got.json');
    await notify(spec(recorder(out), { on: ['failed'] }), notice, memoryLog().log);
    await notify(null, notice, memoryLog().log);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });

  it('reports a command that fails, is missing or runs too long with what it said, and never throws', async () => {
    const m = memoryLog();
    await notify(spec([process.execPath, '-e', 'console.error("slack says no"); process.exit(3)']), notice, m.log);
    await notify(spec(['no-such-notifier']), notice, m.log);
    await notify(spec([process.execPath, '-e', 'setTimeout(() => {}, 60000)'], { timeoutMs: 300 }), notice, m.log);
    const warned = m.lines.filter((l) => l.level === 40);
    expect(warned.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^the notify command failed: Command failed with exit code 3/),
      'the notify command failed: no-such-notifier was not found',
      'the notify command failed: it ran past notify.timeout (300 ms)',
    ]);
    expect(warned[0]).toMatchObject({ stderr: 'slack says no', event: 'done', task: notice.task });
  });
});
