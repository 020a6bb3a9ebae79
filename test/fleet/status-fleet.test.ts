/** `status --fleet` as text (src/cli/status-fleet.ts): pure. */
import { describe, expect, it } from 'vitest';
import { fleetText } from '../../src/cli/status-fleet.js';

describe('status --fleet', () => {
  it('shows each controller (a silent one as gone, since when), their sessions, and each queue by priority with its pause', () => {
    const now = 1_700_000_000_000;
    const text = fleetText({
      hosts: [
        { host: 'build-1', lastSeen: now - 2_000, status: { host: 'build-1', role: 'host', at: now - 2_000, queues: ['agentpool-claude'], jobs: 1, slots: [{ session: 'ccl-auto-1', state: 'working', task: 'fix.md' }, { session: 'ccl-auto-2', state: 'idle', task: null }] } },
        { host: 'build-2', lastSeen: now - 600_000, status: null },
      ],
      queues: [{ queue: 'agentpool-claude', waiting: 3, active: 1, delayed: 0, completed: 9, failed: 1, byPriority: { critical: 1, high: 0, default: 2, low: 0 }, pausedUntil: now + 3_600_000 }],
    }, now, 'redis://10.0.0.5:6379');
    expect(text).toContain('fleet on redis://10.0.0.5:6379: 1 controllers up, 1 gone');
    expect(text).toMatch(/^build-1 +host +2s +1\/2 +1 +agentpool-claude$/m);
    expect(text).toMatch(/^build-2 +gone +10m/m);
    expect(text).toMatch(/^build-1 +ccl-auto-1 +working +fix\.md$/m);
    expect(text).toMatch(/^agentpool-claude +3 +1 +0 +2 +0 +1 +0 +9 +1 +paused 60m$/m);
  });
});
