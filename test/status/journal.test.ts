/** What the controller remembers of each slot for the status file. */
import { describe, expect, it } from 'vitest';
import { SlotJournal, taskTransitions } from '../../src/status/journal.js';

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

  it("keeps a task's transitions apart from its session's, which a busy session soon forgets, and goes on from a restored journal", () => {
    const j = new SlotJournal();
    const t = (task: string) => ({ session: 'w-1', from: 'idle', to: 'launching', event: 'CLAIMED', task: `/p/.agent-queue/active/${task}` });
    j.note(t('first.md'), 1, null);
    for (let i = 1; i <= 30; i++) j.note(t(`t-${i}.md`), 1 + i, null);
    const saved = { transitions: j.transitions(), taskTransitions: j.taskTransitions() };
    expect(taskTransitions(saved, '/p/.agent-queue/done/first.md')).toEqual([{ at: 1, from: 'idle', to: 'launching', event: 'CLAIMED', task: '/p/.agent-queue/active/first.md', session: 'w-1' }]);
    expect(saved.transitions['w-1']).toHaveLength(20);
    // A restarted controller goes on from the file the last one wrote.
    const next = new SlotJournal();
    next.restore(JSON.parse(JSON.stringify(saved)));
    expect(next.taskTransitions()).toEqual(saved.taskTransitions);
    expect(next.transitions()).toEqual(saved.transitions);
  });
});
