/** What `agentpool top` draws for a terminal of a given size (topLines is pure). */
import { describe, expect, it } from 'vitest';
import { topLines, type View } from '../../src/cli/top.js';
import type { SessionStatus } from '../../src/status/status-file.js';

const AT = Date.UTC(2026, 11, 6, 12, 0, 0);

function view(sessions: number, projects = 2, transitions = 12): View {
  const row = (i: number): SessionStatus => ({
    session: `ccl-auto-${i}`, role: 'pool', state: i % 2 ? 'working' : 'idle', since: AT - 65_000, task: i % 2 ? `task-${i}.md` : '',
    project: i % 2 ? 'webapp' : '', model: i % 2 ? 'sonnet' : null, attempt: null, until: null, lastError: null, cordoned: false,
  });
  return {
    at: AT,
    header: `pool ccl-auto-* ${sessions}/${sessions} sessions, agent claude — controller pid 42, up 3m, config generation 1`,
    live: true,
    sessions: Array.from({ length: sessions }, (_, i) => row(i + 1)),
    queues: Array.from({ length: projects }, (_, i) => ({ project: `project-${i + 1}`, path: `/src/project-${i + 1}`, inbox: 3, byPriority: { critical: 0, high: 1, default: 2, low: 0 }, active: 1, done: 7, failed: 0 })),
    transitions: Array.from({ length: transitions }, (_, i) => ({ session: `ccl-auto-${(i % sessions) + 1}`, at: AT - (transitions - i) * 1_000, from: 'working', to: 'stopping', event: 'AGENT_ENDED', task: `/p/.agent-queue/active/t-${i}.md` })),
    donePerMinute: Array.from({ length: 30 }, (_, i) => i % 3),
  };
}

describe('agentpool top', () => {
  it('fits an 80×24 terminal: the title first, the key line last, each section with what it leaves out counted', () => {
    const lines = topLines(view(20), 24, 80);
    expect(lines).toHaveLength(24);
    expect(lines.every((l) => l.text.length <= 79)).toBe(true);
    expect(lines[0]!.text).toMatch(/^agentpool top — pool ccl-auto-\* 20\/20 sessions/);
    expect(lines.at(-1)!.text).toBe('q quits · every 1 s');
    const text = lines.map((l) => l.text).join('\n');
    for (const heading of ['Sessions', 'Queues', 'Tasks done per minute, last 30 min (30)', 'Recent transitions, newest first']) expect(text).toContain(`\n${heading}\n`);
    // The sessions take what is left first; the rows they leave out are counted, never cut silently.
    const shown = lines.filter((l) => /^ccl-auto-\d+ /.test(l.text)).length;
    expect(text).toContain(`… ${20 - shown} more sessions (agentpool status shows them all)`);
    expect(text).toMatch(/^project-1 +3 +0 +1 +2 +0 +1 +7 +0$/m);
  });

  it('shows everything, with blank lines between sections, when the terminal is tall enough', () => {
    const lines = topLines(view(2, 1, 3), 45, 160);
    const text = lines.map((l) => l.text).join('\n');
    expect(text).not.toContain('more');
    expect(lines.filter((l) => l.text === '')).toHaveLength(5);
    expect(text).toMatch(/^ccl-auto-1 +working +65s +task-1\.md +webapp +sonnet/m);
    // Newest first.
    expect(lines.filter((l) => / ago  /.test(l.text)).map((l) => l.text.trim().split(' ')[0])).toEqual(['1s', '2s', '3s']);
  });

  it('never draws more lines than the terminal has, however small', () => {
    for (const rows of [1, 5, 12, 13, 24]) expect(topLines(view(30, 5, 40), rows, 40).length).toBeLessThanOrEqual(rows);
  });

  it('in fleet mode, shows the fleet: controllers up and gone, the jobs held here, each queue with its pause', () => {
    const v: View = {
      ...view(2, 1, 1),
      fleet: { at: AT, up: 3, gone: 1, jobsHeld: 2, queues: [{ queue: 'agentpool-claude', waiting: 4, active: 2, failed: 0, pausedUntil: AT + 90_000 }, { queue: 'agentpool-codex', waiting: 0, active: 1, failed: 1, pausedUntil: null }] },
    };
    const text = topLines(v, 40, 120).map((l) => l.text).join('\n');
    expect(text).toContain('\nFleet: 3 controllers up, 1 gone, 2 jobs here (agentpool status --fleet)\n');
    expect(text).toMatch(/^agentpool-claude +4 +2 +0 +paused 90s$/m);
    expect(text).toMatch(/^agentpool-codex +0 +1 +1$/m);
    // Without fleet mode there is no such section.
    expect(topLines(view(2, 1, 1), 40, 120).map((l) => l.text).join('\n')).not.toContain('Fleet:');
  });
});
