import { describe, expect, it } from 'vitest';
import { BackendHealth, RESTART_AFTER_MS } from '../../src/reconciler/backend-health.js';

describe('BackendHealth', () => {
  it('ends strays on every failing look, backs off from 0.5 s to 5 s, and restarts once it has failed for RESTART_AFTER_MS', () => {
    const h = new BackendHealth();
    const steps = [0, 500, 1_500, 3_500, 7_500, 12_500].map((t) => h.failed(t, true));
    expect(steps.map((s) => s.repair)).toEqual(['strays', 'strays', 'strays', 'strays', 'strays', 'strays']);
    expect(steps.map((s) => s.retryInMs)).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000]);
    // The plan is the same sentence on every look, so it is logged once.
    expect(new Set(steps.map((s) => s.plan)).size).toBe(1);
    expect(steps[0]!.plan).toMatch(/ends stray command channels and looks again after 0.5 s, doubling to every 5 s; if it still fails at \d\d:\d\d:\d\d it ends the server/);
    expect(h.failed(RESTART_AFTER_MS, true)).toMatchObject({ repair: 'restart', retryInMs: 500 });
    // Failing again after the restart: the whole wait again before another.
    expect(h.failed(RESTART_AFTER_MS + 1_000, true)).toMatchObject({ repair: 'strays', retryInMs: 500 });
    expect(h.failed(2 * RESTART_AFTER_MS, true).repair).toBe('strays');
    expect(h.failed(2 * RESTART_AFTER_MS + 1_000, true).repair).toBe('restart');
  });

  it('never ends a server that hosts sessions not the pool\'s, and says so', () => {
    const h = new BackendHealth();
    const steps = [0, 60_000, 600_000].map((t) => h.failed(t, false));
    expect(steps.map((s) => s.repair)).toEqual(['strays', 'strays', 'strays']);
    expect(steps[2]!.plan).toMatch(/it will not end the server, which hosts sessions that are not the pool's/);
  });

  it('says when a failing host answers again, once', () => {
    const h = new BackendHealth();
    expect(h.ok()).toBe(false);
    h.failed(0, true);
    h.failed(10_000, true);
    expect(h.ok()).toBe(true);
    expect(h.ok()).toBe(false);
    // And the wait starts afresh.
    expect(h.failed(20_000, true)).toMatchObject({ repair: 'strays', retryInMs: 500 });
  });
});
