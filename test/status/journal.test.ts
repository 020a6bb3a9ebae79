/** What the controller remembers of each slot for the status file. */
import { describe, expect, it } from 'vitest';
import { SlotJournal } from '../../src/status/journal.js';

describe('the slot journal', () => {
  it("keeps a failed attempt as the slot's last error until an attempt of the slot succeeds", () => {
    const j = new SlotJournal();
    const stop = (reason: string) => ({ session: 'w-1', from: 'working', to: 'stopping', event: 'FAILED', reason });
    j.note(stop('the agent showed an error: 500'), 1, 'failed');
    j.note({ session: 'w-1', from: 'stopping', to: 'cooldown', event: 'STOPPED' }, 2, null);
    expect(j.lastError.get('w-1')).toBe('the agent showed an error: 500');
    j.note({ session: 'w-1', from: 'idle', to: 'launching', event: 'CLAIMED' }, 3, null);
    expect(j.lastError.get('w-1')).toBe('the agent showed an error: 500');
    j.note({ ...stop('the agent finished its turn'), event: 'AGENT_ENDED' }, 4, 'done');
    expect(j.lastError.has('w-1')).toBe(false);
    expect(j.since.get('w-1')).toBe(4);
  });
});
