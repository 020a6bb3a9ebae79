import { describe, it, expect } from 'vitest';
import type { Priority } from '../../src/config/types.js';
import { pickTasks } from '../../src/tasks/order.js';
import type { PendingTask } from '../../src/tasks/types.js';

const NOW = 1_700_000_000_000;
const A = '/src/a';
const B = '/src/b';
const C = '/src/c';

function task(project: string, name: string, priority: Priority = 'default', arrivedAt = NOW - 1_000, o: Partial<PendingTask> = {}): PendingTask {
  return { path: `${project}/.agent-queue/inbox/${name}`, project, name, priority, arrivedAt, attempts: 0, notBefore: 0, where: 'inbox', ...o };
}
const pick = (tasks: PendingTask[], n: number, lastServed?: Map<string, number>) => pickTasks(tasks, n, NOW, lastServed).map((t) => t.name);

describe('pickTasks', () => {
  it('takes nothing for n ≤ 0 or no tasks', () => {
    expect(pick([task(A, 'a.md')], 0)).toEqual([]);
    expect(pick([task(A, 'a.md')], -1)).toEqual([]);
    expect(pick([], 5)).toEqual([]);
  });

  it('takes priority first: critical, high, default, low', () => {
    const tasks = [
      task(A, 'low.md', 'low', NOW - 9_000),
      task(A, 'default.md', 'default', NOW - 8_000),
      task(A, 'high.md', 'high', NOW - 7_000),
      task(A, 'critical.md', 'critical', NOW - 1),
    ];
    expect(pick(tasks, 10)).toEqual(['critical.md', 'high.md', 'default.md', 'low.md']);
    expect(pick(tasks, 1)).toEqual(['critical.md']);
  });

  it('takes the oldest first within a priority, ties by name', () => {
    const tasks = [task(A, 'c.md', 'default', NOW - 100), task(A, 'b.md', 'default', NOW - 300), task(A, 'a.md', 'default', NOW - 100)];
    expect(pick(tasks, 3)).toEqual(['b.md', 'a.md', 'c.md']);
  });

  it('lets projects take turns, so one busy project cannot starve another', () => {
    const tasks = [
      ...['a1.md', 'a2.md', 'a3.md', 'a4.md'].map((n, i) => task(A, n, 'default', NOW - 10_000 + i)),
      task(B, 'b1.md', 'default', NOW - 1),
      task(B, 'b2.md', 'default', NOW),
      task(C, 'c1.md', 'default', NOW - 5),
    ];
    expect(pick(tasks, 7)).toEqual(['a1.md', 'b1.md', 'c1.md', 'a2.md', 'b2.md', 'a3.md', 'a4.md']);
  });

  it('serves the project served longest ago first; never-served ones before any served one', () => {
    const tasks = [task(A, 'a.md'), task(B, 'b.md'), task(C, 'c.md')];
    expect(pick(tasks, 3, new Map([[A, NOW - 10], [B, NOW - 500]]))).toEqual(['c.md', 'b.md', 'a.md']);
    expect(pick(tasks, 1, new Map([[A, NOW - 10], [B, NOW - 500], [C, NOW - 1]]))).toEqual(['b.md']);
  });

  it('does not change the lastServed map it is given', () => {
    const served = new Map([[A, NOW - 10]]);
    pickTasks([task(A, 'a.md'), task(B, 'b.md')], 2, NOW, served);
    expect([...served]).toEqual([[A, NOW - 10]]);
  });

  it('carries turns across priorities', () => {
    const tasks = [task(A, 'a-high.md', 'high'), task(A, 'a-low.md', 'low'), task(B, 'b-low.md', 'low')];
    // A was just served its high task, so B goes first among the low ones.
    expect(pick(tasks, 3)).toEqual(['a-high.md', 'b-low.md', 'a-low.md']);
  });

  it('skips tasks whose notBefore is still ahead', () => {
    const tasks = [
      task(A, 'later.md', 'critical', NOW - 9_000, { notBefore: NOW + 1 }),
      task(A, 'due.md', 'low', NOW, { notBefore: NOW }),
      task(A, 'past.md', 'low', NOW - 1, { notBefore: NOW - 1 }),
    ];
    expect(pick(tasks, 5)).toEqual(['past.md', 'due.md']);
  });

  it('takes at most n', () => {
    const tasks = Array.from({ length: 50 }, (_, i) => task(i % 2 ? A : B, `t${String(i).padStart(2, '0')}.md`, 'default', NOW - 1_000 + i));
    const picked = pickTasks(tasks, 7, NOW);
    expect(picked).toHaveLength(7);
    expect(new Set(picked.map((t) => t.path)).size).toBe(7);
  });

  it('returns the task objects themselves', () => {
    const t = task(A, 'a.md');
    expect(pickTasks([t], 1, NOW)[0]).toBe(t);
  });
});
