import type { DesiredState } from '../config/types.js';
import type { Verdict } from '../machines/types.js';

export interface Disposition {
  disposition: 'done' | 'retry' | 'fail' | 'park';
  /** Give back the attempt: the task never got a fair try (a usage limit). */
  refundAttempt: boolean;
  notBefore: number;
  cooldownUntil: number;
}

/**
 * The retry policy, in one place. Done tasks go to done/; a usage limit sends the task back without
 * costing an attempt and cools the session until the limit resets; a task that can never run goes to
 * failed/ at once and costs its session nothing; other failures retry with exponential backoff until
 * `maxAttempts`, then go to failed/.
 */
export function dispose(d: DesiredState, verdict: Verdict, attempts: number, now: number): Disposition {
  const { afterTaskMs, afterFailureMs } = d.pool.cooldown;
  if (verdict.taskFault) return { disposition: 'fail', refundAttempt: false, notBefore: 0, cooldownUntil: now };
  switch (verdict.outcome) {
    case 'done':
      return { disposition: 'done', refundAttempt: false, notBefore: 0, cooldownUntil: now + afterTaskMs };
    case 'limited': {
      const until = verdict.until && verdict.until > now ? verdict.until : now + afterFailureMs;
      return { disposition: 'retry', refundAttempt: true, notBefore: until, cooldownUntil: until };
    }
    case 'interrupted':
      return { disposition: 'retry', refundAttempt: true, notBefore: 0, cooldownUntil: now };
    case 'cancelled':
      return { disposition: 'fail', refundAttempt: false, notBefore: 0, cooldownUntil: now + afterTaskMs };
    case 'parked':
      // Its cap spent: it waits for a person (agentpool resume), its attempt kept (it was a fair try).
      return { disposition: 'park', refundAttempt: false, notBefore: 0, cooldownUntil: now + afterTaskMs };
    case 'failed': {
      const cooldownUntil = now + afterFailureMs;
      if (attempts >= d.tasks.maxAttempts) return { disposition: 'fail', refundAttempt: false, notBefore: 0, cooldownUntil };
      const backoff = d.tasks.retryBackoffMs * 2 ** Math.max(0, attempts - 1);
      return { disposition: 'retry', refundAttempt: false, notBefore: now + backoff, cooldownUntil };
    }
  }
}
