import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlParser, controlCommand, type ControlEvent } from '../../src/tmux/control-parser.js';
import { guardArgs, testTmux, waitFor, type TestTmux } from '../helpers/tmux-server.js';

/** Feeds `text` in pieces cut at `cuts` (byte offsets) and returns every event. */
function feedCut(text: string, cuts: number[], p = new ControlParser()): ControlEvent[] {
  const bytes = Buffer.from(text, 'utf8');
  const events: ControlEvent[] = [];
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    events.push(...p.feed(bytes.subarray(from, at)));
    from = at;
  }
  return events;
}

const reply = (number: number, lines: string[], o: { ok?: boolean; flags?: number; time?: number } = {}): ControlEvent => ({
  kind: 'reply', time: o.time ?? 1700000000, number, flags: o.flags ?? 1, ok: o.ok ?? true, lines,
});

describe('ControlParser', () => {
  it('reads a reply whatever the chunks, even one byte at a time and through a split UTF-8 character', () => {
    const text = '%begin 1700000000 7 1\nline one ✓ ❯ 日本\n\nlast\n%end 1700000000 7 1\n';
    const want = [reply(7, ['line one ✓ ❯ 日本', '', 'last'])];
    expect(feedCut(text, [])).toEqual(want);
    const size = Buffer.byteLength(text);
    for (let cut = 1; cut < size; cut++) expect(feedCut(text, [cut]), `cut at ${cut}`).toEqual(want);
    expect(feedCut(text, Array.from({ length: size - 1 }, (_, i) => i + 1))).toEqual(want);
  });

  it('ends a block only on the %end or %error of its own time and number: output is not escaped', () => {
    const text = [
      '%begin 1700000000 8 1',
      '%end 1700000000 2 1', // data: another number
      '%end 1699999999 8 1', // data: another time
      '%error 1 2 3',
      '%begin 1700000000 9 1', // data too, inside a block
      '%end 1700000000 8 1',
      '',
    ].join('\n');
    expect(feedCut(text, [])).toEqual([reply(8, ['%end 1700000000 2 1', '%end 1699999999 8 1', '%error 1 2 3', '%begin 1700000000 9 1'])]);
  });

  it('says a command failed with %error, keeps the flags of the command-line block (0), and takes replies in a row', () => {
    const text = '%begin 5 1 0\n%end 5 1 0\n%begin 5 2 1\nunknown command: nope\n%error 5 2 1\n%begin 5 3 1\nok\n%end 5 3 1\n';
    expect(feedCut(text, [])).toEqual([
      reply(1, [], { time: 5, flags: 0 }),
      reply(2, ['unknown command: nope'], { time: 5, ok: false }),
      reply(3, ['ok'], { time: 5 }),
    ]);
  });

  it('passes notifications between blocks on, unknown kinds too, and reads %exit', () => {
    const text = '%sessions-changed\n%session-changed $1 ccl-auto-1\n%some-future-kind a b\n%begin 5 4 1\n%end 5 4 1\n%exit server exited\n';
    expect(feedCut(text, [])).toEqual([
      { kind: 'notification', name: 'sessions-changed', args: '' },
      { kind: 'notification', name: 'session-changed', args: '$1 ccl-auto-1' },
      { kind: 'notification', name: 'some-future-kind', args: 'a b' },
      reply(4, [], { time: 5 }),
      { kind: 'exit', reason: 'server exited' },
    ]);
    expect(new ControlParser().feed('%exit\n')).toEqual([{ kind: 'exit', reason: '' }]);
  });


  it('gives a pane\'s output as bytes: escapes undone, a UTF-8 character split between two lines kept whole, in either form', () => {
    const check = Buffer.from('✓', 'utf8'); // e2 9c 93
    const lines = Buffer.concat([
      Buffer.from('%output %3 a\\134b\\015\\012\\033[1m'),
      check.subarray(0, 2),
      Buffer.from('\n%extended-output %3 1042 : '),
      check.subarray(2),
      Buffer.from(' : x \\\n%output %3 \\12x\n'),
    ]);
    const events = new ControlParser().feed(lines);
    expect(events.map((e) => (e.kind === 'output' ? [e.pane, e.bytes.toString('latin1')] : e))).toEqual([
      ['%3', `a\\b\r\n\x1b[1m${check.subarray(0, 2).toString('latin1')}`],
      ['%3', `${check.subarray(2).toString('latin1')} : x \\`],
      ['%3', '\\12x'],
    ]);
    const joined = Buffer.concat(events.map((e) => (e.kind === 'output' ? e.bytes : Buffer.alloc(0)))).toString('utf8');
    expect(joined).toContain('✓ : x');
  });
  it('gives up, once and for good, on output that is not control mode or on a reply past its bound', () => {
    const p = new ControlParser();
    expect(p.feed('hello\n%begin 1 1 1\n')).toEqual([{ kind: 'broken', reason: 'not control-mode output: "hello"' }]);
    expect(p.feed('%end 1 1 1\n')).toEqual([]);
    expect(p.broken).toMatch(/not control-mode output/);

    const small = new ControlParser(100);
    expect(small.feed('%begin 1 1 1\n')).toEqual([]);
    const events = small.feed(`${'x'.repeat(60)}\n${'y'.repeat(60)}\n%end 1 1 1\n`);
    expect(events).toEqual([{ kind: 'broken', reason: 'a reply of more than 100 bytes' }]);
    expect(new ControlParser(100).feed('z'.repeat(101))).toEqual([{ kind: 'broken', reason: 'more than 100 bytes without the end of a reply' }]);
  });
});

describe('controlCommand', () => {
  it('quotes every word so no byte of it is syntax, and refuses an empty command (it would detach)', () => {
    expect(controlCommand(['set-buffer', '-b', 'agentpool-1', 'say "hi" to $HOME ~ \\ ; #{pane_id}\nnext\ttab\x1b'])).toBe(
      '"set-buffer" "-b" "agentpool-1" "say \\"hi\\" to \\$HOME \\~ \\\\ ; #{pane_id}\\012next\\011tab\\033"',
    );
    expect(controlCommand(['display-message', '-p', '✓ ❯ 日本'])).toBe('"display-message" "-p" "✓ ❯ 日本"');
    expect(() => controlCommand([])).toThrow(/detach/);
  });
});

describe('control mode against a real tmux server', () => {
  let server: TestTmux | undefined;
  afterEach(async () => {
    await server?.kill();
    server = undefined;
  });

  it('round-trips text with quotes, $, ~, #{…}, ;, backslashes, newlines and non-ASCII through set-buffer, byte for byte', async () => {
    server = testTmux();
    await server.run('new-session', '-d', '-s', 'ctl', '--', 'sleep', '600');
    const args = ['-L', server.socket, '-f', '/dev/null', '-C', 'attach', '-t', 'ctl', '-f', 'no-output,ignore-size'];
    guardArgs(args);
    const client = execa('tmux', args, { stdin: 'pipe', reject: false, env: { ...process.env, TMUX: '', TMUX_PANE: '' } });
    const parser = new ControlParser();
    const replies: ControlEvent[] = [];
    client.stdout!.on('data', (chunk: Buffer) => replies.push(...parser.feed(chunk).filter((e) => e.kind === 'reply' && e.flags === 1)));
    const text = 'say "q" $HOME ~ #{pane_id} ; \\ ✓ ❯ 日本\nsecond line\twith a tab\n\nafter an empty line';
    client.stdin!.write(`${controlCommand(['set-buffer', '-b', 'roundtrip', text])}\n`);
    // save-buffer writes the bytes as stored (show-buffer would print them escaped: \\, \$, \t).
    const out = join(await mkdtemp(join(tmpdir(), 'agentpool-control-')), 'buffer.out');
    client.stdin!.write(`${controlCommand(['save-buffer', '-b', 'roundtrip', out])}\n`);
    client.stdin!.write(`${controlCommand(['no-such-command'])}\n`);
    await waitFor(async () => replies.length === 3, { what: 'three replies' });
    client.stdin!.end(); // end of input detaches the client
    await client;
    expect(replies.map((r) => r.kind === 'reply' && r.ok)).toEqual([true, true, false]);
    expect(await readFile(out, 'utf8')).toBe(text);
    await rm(dirname(out), { recursive: true, force: true });
    expect(replies[2]).toMatchObject({ lines: [expect.stringMatching(/unknown command: no-such-command/)] });
    expect(parser.broken).toBeNull();
  });
});
