import xtermHeadless from '@xterm/headless';
import { afterEach, describe, expect, it } from 'vitest';
import { PaneViewer, type ScreenSnapshot } from '../../src/tmux/pane-viewer.js';
import { testTmux, waitFor, type TestTmux } from '../helpers/tmux-server.js';

const { Terminal } = xtermHeadless;

/** What a terminal shows: its visible lines, trailing blanks trimmed. */
function shown(term: InstanceType<typeof Terminal>): string[] {
  const b = term.buffer.active;
  return Array.from({ length: term.rows }, (_, i) => b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
}

/** Writes to a headless terminal and waits until it has parsed it. */
const write = (term: InstanceType<typeof Terminal>, data: string | Uint8Array) => new Promise<void>((resolve) => term.write(data, resolve));

describe('PaneViewer against a real tmux server', () => {
  let server: TestTmux | undefined;
  afterEach(async () => {
    await server?.kill();
    server = undefined;
  });

  it('paints the screen, then streams what the program writes: a terminal fed by it shows what tmux shows, without resizing the pane; ends when the session goes', async () => {
    server = testTmux();
    await server.run('new-session', '-d', '-s', 'watched', '-x', '60', '-y', '12', '--', 'sh', '-c', 'printf "before ✓\\n"; exec cat');
    await server.run('new-session', '-d', '-s', 'other', '--', 'sleep', '600');
    await server.run('set-option', '-t', 'watched', 'detach-on-destroy', 'off');
    await waitFor(async () => (await server!.run('capture-pane', '-p', '-t', 'watched')).includes('before'), { what: 'the first line' });
    const term = new Terminal({ cols: 80, rows: 24, allowProposedApi: true });
    const resets: ScreenSnapshot[] = [];
    const ends: string[] = [];
    let chain = Promise.resolve();
    const viewer = new PaneViewer({ socket: server.socket }, 'watched', {
      reset: (s) => {
        resets.push(s);
        chain = chain.then(() => {
          term.resize(s.cols, s.rows);
          return write(term, s.paint);
        });
      },
      output: (bytes) => (chain = chain.then(() => write(term, new Uint8Array(bytes)))),
      end: (why) => ends.push(why),
    });
    await waitFor(async () => resets.length === 1, { what: 'the first paint' });
    expect(resets[0]).toMatchObject({ cols: 60, rows: 12 });
    // What the program writes next, non-ASCII and colours included, arrives through the stream.
    await server.run('send-keys', '-t', 'watched', '-l', 'after ✓ 日本 \x1b[31mred\x1b[0m');
    await server.run('send-keys', '-t', 'watched', 'Enter');
    const want = async () => (await server!.run('capture-pane', '-p', '-t', 'watched')).split('\n').slice(0, 12).map((l) => l.trimEnd());
    await waitFor(async () => {
      await chain;
      return shown(term).join('\n') === (await want()).join('\n');
    }, { what: 'the terminal showing what tmux shows' });
    expect(shown(term).filter((l) => l.includes('after ✓ 日本'))).toHaveLength(2); // the echo, and cat's copy
    // ignore-size: the pane keeps its size with the viewer attached.
    expect((await server.run('display-message', '-p', '-t', 'watched', '#{pane_width}x#{pane_height}')).trim()).toBe('60x12');
    // A second watcher asks for a paint of its own.
    viewer.resync();
    await waitFor(async () => resets.length === 2, { what: 'the second paint' });
    // A program started anew in the pane (as each task's agent is) gets a fresh screen from tmux that the
    // stream does not announce: the viewer paints it afresh.
    await server.run('respawn-pane', '-k', '-t', 'watched', '--', 'sh', '-c', 'printf "a new program\n"; exec cat');
    await waitFor(async () => {
      await chain;
      return shown(term)[0] === 'a new program' && !shown(term).some((l) => l.includes('after ✓'));
    }, { what: 'the new program\'s screen' });
    await server.run('kill-session', '-t', 'watched');
    await waitFor(async () => ends.length === 1, { what: 'the view ending' });
    expect(ends[0]).toMatch(/gone/);
    viewer.close();
  });
});
