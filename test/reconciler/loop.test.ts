import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { Loop, TerminalError, retryDelay } from '../../src/reconciler/loop.js';
import type { PassResult } from '../../src/reconciler/reconciler.js';

/** A loop on vitest's simulated timers whose passes are scripted: each returns or throws what it is told. */
function harness(script: Array<PassResult | Error> = []) {
  const passes: number[] = [];
  const errors: string[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => errors.push(JSON.parse(line).msg as string) });
  let running = 0;
  let maxRunning = 0;
  const loop = new Loop({
    log,
    resyncMs: () => 30_000,
    pass: async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      passes.push(Date.now());
      await new Promise((r) => setTimeout(r, 10)); // a pass takes a little time
      running--;
      const next = script.shift() ?? {};
      if (next instanceof Error) throw next;
      return next;
    },
  });
  return { loop, passes, errors, maxRunning: () => maxRunning };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Loop', () => {
  it('runs one pass at a time and folds the wakes that come during a pass into one more pass', async () => {
    const h = harness();
    h.loop.wake('start');
    h.loop.wake('inbox changed');
    await vi.advanceTimersByTimeAsync(5);
    h.loop.wake('agent event');
    h.loop.wake('agent event');
    h.loop.wake('inbox changed');
    await vi.advanceTimersByTimeAsync(100);
    expect(h.passes).toHaveLength(2);
    expect(h.maxRunning()).toBe(1);
    await h.loop.stop();
  });

  it('wakes after a delay when asked to (a retry after a failed action), not before, and not after stop()', async () => {
    const h = harness();
    h.loop.wake('start');
    await vi.advanceTimersByTimeAsync(20);
    h.loop.wakeAfter(2_000, 'retry');
    await vi.advanceTimersByTimeAsync(1_990);
    expect(h.passes).toEqual([0]);
    await vi.advanceTimersByTimeAsync(20);
    expect(h.passes).toEqual([0, 2_020]);
    h.loop.wakeAfter(1_000, 'retry');
    await h.loop.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.passes).toEqual([0, 2_020]);
  });

  it('runs again at the resync interval, or sooner when a pass asks (requeueAfterMs), counted from when the pass began', async () => {
    // Each pass takes 10 ms: the next still begins 1 s (or 30 s) after the last began, not after it ended.
    const h = harness([{ requeueAfterMs: 1_000 }, {}]);
    h.loop.wake('start');
    await vi.advanceTimersByTimeAsync(999);
    expect(h.passes).toEqual([0]);
    await vi.advanceTimersByTimeAsync(2);
    expect(h.passes).toEqual([0, 1_000]);
    await vi.advanceTimersByTimeAsync(30_010);
    expect(h.passes).toEqual([0, 1_000, 31_000]);
    await h.loop.stop();
  });

  it('retries a failing pass with backoff (0.5 s doubling to 30 s) and goes back to the resync once one succeeds', async () => {
    expect([1, 2, 3, 7, 8, 20].map(retryDelay)).toEqual([500, 1_000, 2_000, 30_000, 30_000, 30_000]);
    const h = harness([new Error('boom'), new Error('boom'), {}]);
    h.loop.wake('start');
    await vi.advanceTimersByTimeAsync(10 + 500 + 10 + 1_000 + 10);
    expect(h.passes).toEqual([0, 510, 1_520]);
    expect(h.errors).toEqual(['reconcile pass failed', 'reconcile pass failed']);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(h.passes).toHaveLength(3);
    await h.loop.stop();
  });

  it('stops retrying on a TerminalError, says so once, ignores wakes, and runs again on resume', async () => {
    const h = harness([new TerminalError('the tmux binary "tmux" was not found: install tmux')]);
    h.loop.wake('start');
    await vi.advanceTimersByTimeAsync(20);
    expect(h.errors).toEqual(['reconcile cannot go on until this is fixed; no more retries until the config file changes or the controller restarts']);
    h.loop.wake('inbox changed');
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(h.passes).toEqual([0]);
    h.loop.resume('config changed');
    await vi.advanceTimersByTimeAsync(20);
    expect(h.passes).toEqual([0, 600_020]);
    await h.loop.stop();
  });

  it('runs nothing after stop, and stop waits for the pass in progress', async () => {
    const h = harness();
    h.loop.wake('start');
    const stopped = h.loop.stop();
    await vi.advanceTimersByTimeAsync(20);
    await stopped;
    h.loop.wake('inbox changed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.passes).toEqual([0]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
