import { describe, expect, it } from 'vitest';
import { keyed, poolDelta } from '../../src/web/pool-feed.js';
import type { PoolView } from '../../src/web/views.js';
import type { TaskRow } from '../../src/tasks/list.js';

const task = (name: string, state: TaskRow['state']): TaskRow => ({
  project: 'p', state, name, path: `/p/${name}`, priority: 'default', arrivedAt: 1, attempts: 0, step: null, session: null, model: null,
  reason: null, durationMs: null, finishedAt: null, branch: null, changes: null, host: null, usage: null,
});
const view = (sessions: Array<[string, string]>, tasks: TaskRow[], problems: string[] = []): PoolView => ({
  at: 5, controller: { running: true, pid: 1, writtenAt: 4 }, pool: { prefix: 'ccl-', desired: 2, agent: 'claude' }, problems,
  sessions: sessions.map(([session, state]) => ({ session, state })), tasks,
});

describe('poolDelta', () => {
  it('is the whole view first, then only the sessions and tasks that changed or went, and the rest only when it changed', () => {
    const a = view([['s1', 'idle'], ['s2', 'idle']], [task('a.md', 'inbox'), task('b.md', 'inbox')]);
    expect(poolDelta(null, a)).toMatchObject({ full: true, sessions: a.sessions, tasks: a.tasks, head: { problems: [] } });
    expect(poolDelta(keyed(a), view([['s1', 'idle'], ['s2', 'idle']], [task('a.md', 'inbox'), task('b.md', 'inbox')]))).toBeNull();
    const b = view([['s1', 'working'], ['s2', 'idle']], [task('a.md', 'active'), task('c.md', 'inbox')], ['tmux is slow']);
    const d = poolDelta(keyed(a), b)!;
    expect(d.full).toBe(false);
    expect(d.sessions).toEqual([{ session: 's1', state: 'working' }]);
    expect(d.tasks.map((t) => [t.name, t.state])).toEqual([['a.md', 'active'], ['c.md', 'inbox']]);
    expect(d.goneTasks).toEqual(['p/b.md']);
    expect(d.goneSessions).toEqual([]);
    expect(d.head?.problems).toEqual(['tmux is slow']);
    const c = poolDelta(keyed(b), view([['s1', 'working']], b.tasks, ['tmux is slow']))!;
    expect(c).toMatchObject({ sessions: [], goneSessions: ['s2'], tasks: [], goneTasks: [] });
    expect(c.head).toBeUndefined();
  });
});
