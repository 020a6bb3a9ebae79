import { describe, expect, it } from 'vitest';
import { endingOf, finishedAs } from '../../src/reconciler/outcome.js';

const crash = { outcome: 'failed' as const, reason: 'crash' };
const cancel = { at: 1, reason: 'cancelled with agentpool cancel' };

describe('outcome', () => {
  it('a cancelled task whose agent then failed ends in failed/ as cancelled, not in a retry', () => {
    expect(endingOf({ disposition: 'retry', verdict: crash }, cancel)).toEqual({ disposition: 'fail', verdict: { outcome: 'cancelled', reason: cancel.reason } });
  });

  it('without a cancel, or when the planner already ends the task, its disposition stands', () => {
    expect(endingOf({ disposition: 'retry', verdict: crash }, undefined)).toEqual({ disposition: 'retry', verdict: crash });
    const done = { outcome: 'done' as const, reason: 'back at its prompt' };
    expect(endingOf({ disposition: 'done', verdict: done }, cancel)).toEqual({ disposition: 'done', verdict: done });
  });

  it('the metrics count done, retried, cancelled and failed apart', () => {
    expect(finishedAs({ disposition: 'done', verdict: { outcome: 'done', reason: '' } })).toBe('done');
    expect(finishedAs({ disposition: 'retry', verdict: crash })).toBe('retried');
    expect(finishedAs({ disposition: 'fail', verdict: { outcome: 'cancelled', reason: '' } })).toBe('cancelled');
    expect(finishedAs({ disposition: 'fail', verdict: crash })).toBe('failed');
  });
});
