import { profileOf } from '../config/pool.js';
import type { DesiredState } from '../config/types.js';
import { driverFor } from '../drivers/index.js';
import type { SlotView } from '../machines/types.js';
import type { Snapshot } from './snapshot.js';

/**
 * Pure: when to look again without a trigger, in ms from the snapshot (undefined: only triggers and the
 * resync). A file settling, a retry coming due, and a slot whose driver asks to be looked at (a screen
 * change wakes nothing; src/drivers/cadence.ts). Never sooner than 10 ms.
 */
export function nextDue(d: DesiredState, snapshot: Snapshot, views: readonly SlotView[]): number | undefined {
  let due = Infinity;
  for (const q of snapshot.queues) {
    if (q.settlingUntil !== null) due = Math.min(due, q.settlingUntil);
    for (const t of q.pending) if (t.notBefore > snapshot.now) due = Math.min(due, t.notBefore);
  }
  for (const v of views) {
    const profile = profileOf(d, v.agent);
    const ms = driverFor(profile).pollMs(v.state, profile);
    if (ms !== null) due = Math.min(due, snapshot.now + ms);
  }
  return due === Infinity ? undefined : Math.max(10, due - snapshot.now);
}
