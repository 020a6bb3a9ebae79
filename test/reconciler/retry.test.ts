import { describe, it, expect } from 'vitest';
import { dispose } from '../../src/reconciler/retry.js';
import { desired, NOW } from './fixtures.js';

// afterTask 5s, afterFailure 5m, maxAttempts 3, retryBackoff 30s (see fixtures.ts).
const d = desired(1);

describe('dispose (the retry policy)', () => {
  it('sends a done task to done/ and cools the slot for afterTask', () => {
    expect(dispose(d, { outcome: 'done', reason: 'ok' }, 1, NOW)).toEqual({ disposition: 'done', refundAttempt: false, notBefore: 0, cooldownUntil: NOW + 5_000 });
    // However many attempts it took.
    expect(dispose(d, { outcome: 'done', reason: 'ok' }, 7, NOW).disposition).toBe('done');
  });

  it('retries a failure with exponential backoff while attempts remain', () => {
    expect(dispose(d, { outcome: 'failed', reason: 'x' }, 1, NOW)).toEqual({ disposition: 'retry', refundAttempt: false, notBefore: NOW + 30_000, cooldownUntil: NOW + 300_000 });
    expect(dispose(d, { outcome: 'failed', reason: 'x' }, 2, NOW).notBefore).toBe(NOW + 60_000);
  });

  it('fails a task that can never run at once, on its first attempt, and leaves its session free now', () => {
    expect(dispose(d, { outcome: 'failed', reason: 'the task cannot run: x', taskFault: true }, 1, NOW)).toEqual({ disposition: 'fail', refundAttempt: false, notBefore: 0, cooldownUntil: NOW });
  });

  it('treats attempts below 1 as the first', () => {
    expect(dispose(d, { outcome: 'failed', reason: 'x' }, 0, NOW).notBefore).toBe(NOW + 30_000);
  });

  it('fails the task once maxAttempts are used up', () => {
    for (const attempts of [3, 4, 10]) {
      expect(dispose(d, { outcome: 'failed', reason: 'x' }, attempts, NOW)).toEqual({ disposition: 'fail', refundAttempt: false, notBefore: 0, cooldownUntil: NOW + 300_000 });
    }
  });

  it('follows the configured maxAttempts and backoff', () => {
    const d1 = desired(1);
    d1.tasks.maxAttempts = 1;
    expect(dispose(d1, { outcome: 'failed', reason: 'x' }, 1, NOW).disposition).toBe('fail');
    const d5 = desired(1);
    d5.tasks.maxAttempts = 5;
    d5.tasks.retryBackoffMs = 1_000;
    expect(dispose(d5, { outcome: 'failed', reason: 'x' }, 4, NOW)).toMatchObject({ disposition: 'retry', notBefore: NOW + 8_000 });
  });

  it('retries a usage limit at its reset time without costing an attempt, even on the last attempt', () => {
    const until = NOW + 3 * 3_600_000;
    for (const attempts of [1, 3, 9]) {
      expect(dispose(d, { outcome: 'limited', reason: 'limit', until }, attempts, NOW)).toEqual({ disposition: 'retry', refundAttempt: true, notBefore: until, cooldownUntil: until });
    }
  });

  it('waits afterFailure for a limit with no reset time, or one already past', () => {
    const expected = { disposition: 'retry', refundAttempt: true, notBefore: NOW + 300_000, cooldownUntil: NOW + 300_000 };
    expect(dispose(d, { outcome: 'limited', reason: 'limit' }, 1, NOW)).toEqual(expected);
    expect(dispose(d, { outcome: 'limited', reason: 'limit', until: NOW - 1 }, 1, NOW)).toEqual(expected);
    expect(dispose(d, { outcome: 'limited', reason: 'limit', until: NOW }, 1, NOW)).toEqual(expected);
  });

  it('resends an interrupted delivery at once without costing an attempt, and does not cool the slot', () => {
    for (const attempts of [1, 3]) {
      expect(dispose(d, { outcome: 'interrupted', reason: 'restart while pasting' }, attempts, NOW)).toEqual({ disposition: 'retry', refundAttempt: true, notBefore: 0, cooldownUntil: NOW });
    }
  });

  it('fails a cancelled task at once, with attempts left, and cools the slot as after a task', () => {
    expect(dispose(d, { outcome: 'cancelled', reason: 'cancelled with agentpool cancel' }, 1, NOW)).toEqual({
      disposition: 'fail', refundAttempt: false, notBefore: 0, cooldownUntil: NOW + d.pool.cooldown.afterTaskMs,
    });
  });
});
