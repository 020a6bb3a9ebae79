import { describe, expect, it } from 'vitest';
import type { DepState } from '../../src/tasks/deps.js';
import { gate } from '../../src/tasks/gate.js';
import { active, BILLING, desired, NOW, pending, queue, WEBAPP } from '../reconciler/fixtures.js';

const deps = (o: Record<string, DepState>) => new Map(Object.entries(o));
const names = (ts: Array<{ name: string }>) => ts.map((t) => t.name);

describe('gate: after:', () => {
  const d = desired(3);

  it('holds a task until every task it names is in done/, in its own project or another', () => {
    const b = pending(WEBAPP, 'b.md', { after: ['a.md', 'billing/c.md'] });
    const queues = [queue(WEBAPP, { pending: [b] }), queue(BILLING)];
    const waiting = gate(d, { queues, deps: deps({ 'webapp/a.md': { at: 'done' }, 'billing/c.md': { at: 'active' } }), now: NOW });
    expect(waiting.startable).toEqual([]);
    expect(waiting.waiting.get(b.path)).toEqual({ kind: 'after', text: 'after billing/c.md' });
    const free = gate(d, { queues, deps: deps({ 'webapp/a.md': { at: 'done' }, 'billing/c.md': { at: 'done' } }), now: NOW });
    expect(names(free.startable)).toEqual(['b.md']);
    expect(free.waiting.size).toBe(0);
  });

  it('fails a task whose named task failed, with its reason, unless after_failed: run', () => {
    const b = pending(WEBAPP, 'b.md', { after: ['a.md'] });
    const failedA = deps({ 'webapp/a.md': { at: 'failed', reason: 'the agent exited' } });
    const g = gate(d, { queues: [queue(WEBAPP, { pending: [b] })], deps: failedA, now: NOW });
    expect(g.fail).toEqual([{ path: b.path, project: WEBAPP, name: 'b.md', reason: expect.stringContaining('a task it waits for failed: webapp/a.md (the agent exited)') }]);
    expect(g.startable).toEqual([]);
    const anyway = pending(WEBAPP, 'b.md', { after: ['a.md'], afterFailed: 'run' });
    expect(names(gate(d, { queues: [queue(WEBAPP, { pending: [anyway] })], deps: failedA, now: NOW }).startable)).toEqual(['b.md']);
  });

  it('fails a task that names no task, saying where it looked', () => {
    const b = pending(WEBAPP, 'b.md', { after: ['nope.md'] });
    const g = gate(d, { queues: [queue(WEBAPP, { pending: [b] })], deps: deps({ 'webapp/nope.md': { at: 'unknown', why: "it is in none of project webapp's queue folders" } }), now: NOW });
    expect(g.fail[0]!.reason).toBe("its after: names nope.md, but it is in none of project webapp's queue folders; check the name, or drop the task it waits for in first");
  });

  it('fails every task of a circle, and only those; a task waiting on the circle waits', () => {
    const a = pending(WEBAPP, 'a.md', { after: ['b.md'] });
    const b = pending(WEBAPP, 'b.md', { after: ['billing/c.md'] });
    const c = pending(BILLING, 'c.md', { after: ['webapp/a.md'] });
    const e = pending(WEBAPP, 'e.md', { after: ['a.md'] });
    const self = pending(WEBAPP, 'self.md', { after: ['self.md'] });
    const inbox = { at: 'inbox' } as const;
    const g = gate(d, {
      queues: [queue(WEBAPP, { pending: [a, b, e, self] }), queue(BILLING, { pending: [c] })],
      deps: deps({ 'webapp/a.md': inbox, 'webapp/b.md': inbox, 'billing/c.md': inbox, 'webapp/self.md': inbox }),
      now: NOW,
    });
    expect(g.fail.map((t) => t.name).sort()).toEqual(['a.md', 'b.md', 'c.md', 'self.md']);
    expect(g.fail.find((t) => t.name === 'a.md')!.reason).toContain('webapp/a.md → webapp/b.md → billing/c.md → webapp/a.md');
    expect(g.fail.find((t) => t.name === 'self.md')!.reason).toContain('webapp/self.md → webapp/self.md');
    expect(g.waiting.get(e.path)).toEqual({ kind: 'after', text: 'after a.md' });
  });

  it('judges a settling file the same way, but never fails one before it has settled', () => {
    const b = pending(WEBAPP, 'b.md', { after: ['a.md'] });
    const g = gate(d, { queues: [queue(WEBAPP, { settling: [b] })], deps: deps({ 'webapp/a.md': { at: 'failed', reason: 'x' } }), now: NOW });
    expect(g.fail).toEqual([]);
    expect(g.startable).toEqual([]);
  });

  it('holds a retry a person queued until what it names is done, and never fails it: it says why it waits', () => {
    const retry = pending(WEBAPP, 'b.md', { after: ['a.md'], where: 'active' });
    const queues = [queue(WEBAPP, { pending: [retry] })];
    expect(names(gate(d, { queues, deps: deps({ 'webapp/a.md': { at: 'done' } }), now: NOW }).startable)).toEqual(['b.md']);
    expect(gate(d, { queues, deps: deps({ 'webapp/a.md': { at: 'active' } }), now: NOW }).waiting.get(retry.path)).toEqual({ kind: 'after', text: 'after a.md' });
    const failed = gate(d, { queues, deps: deps({ 'webapp/a.md': { at: 'failed', reason: 'crash' } }), now: NOW });
    expect(failed.fail).toEqual([]);
    expect(failed.waiting.get(retry.path)?.text).toMatch(/^a task it waits for failed: webapp\/a\.md \(crash\)/);
  });
});

describe('gate: not_before and retries', () => {
  const d = desired(3);
  d.tasks.timeZone = 'UTC';

  it('holds an inbox task until its not_before, and says until when; a retry says when it comes', () => {
    const later = pending(WEBAPP, 'later.md', { notBefore: Date.UTC(2023, 10, 14, 22, 0) });
    const retry = pending(WEBAPP, 'retry.md', { where: 'active', notBefore: Date.UTC(2023, 10, 14, 22, 15) });
    const now = Date.UTC(2023, 10, 14, 21, 0);
    const g = gate(d, { queues: [queue(WEBAPP, { pending: [later, retry] })], deps: deps({}), now });
    expect(g.waiting.get(later.path)).toEqual({ kind: 'not-before', text: 'not before 22:00' });
    expect(g.waiting.get(retry.path)).toEqual({ kind: 'retry', text: 'retry at 22:15' });
    expect(names(gate(d, { queues: [queue(WEBAPP, { pending: [later, retry] })], deps: deps({}), now: Date.UTC(2023, 10, 14, 22, 15) }).startable)).toEqual(['later.md', 'retry.md']);
  });
});

describe('gate: maxConcurrent', () => {
  const d = desired(3);
  d.projects[0]!.maxConcurrent = 2;

  it('lets a project start only as many as its limit leaves room for, highest priority and oldest first', () => {
    const tasks = [
      pending(WEBAPP, 'old.md', { arrivedAt: NOW - 9_000 }),
      pending(WEBAPP, 'new.md', { arrivedAt: NOW - 1_000 }),
      pending(WEBAPP, 'urgent.md', { arrivedAt: NOW - 500, priority: 'critical' }),
    ];
    const running = active(WEBAPP, 'running.md', { state: 'submitted' });
    const g = gate(d, { queues: [queue(WEBAPP, { pending: tasks, active: [running] }), queue(BILLING, { pending: [pending(BILLING, 'x.md')] })], deps: deps({}), now: NOW });
    expect(names(g.startable)).toEqual(['urgent.md', 'x.md']);
    expect(g.waiting.get(tasks[0]!.path)).toEqual({ kind: 'limit', text: 'project at its limit 2/2' });
    expect(g.waiting.get(tasks[1]!.path)).toEqual({ kind: 'limit', text: 'project at its limit 2/2' });
  });

  it('counts tasks being claimed as running, and neither a queued retry nor a task being cancelled', () => {
    const claiming = pending(WEBAPP, 'claiming.md');
    const next = pending(WEBAPP, 'next.md');
    const cancelled = pending(WEBAPP, 'cancelled.md');
    const retry = active(WEBAPP, 'retry.md', { state: 'queued' });
    const g = gate(d, {
      queues: [queue(WEBAPP, { pending: [claiming, next, cancelled], active: [retry] })],
      deps: deps({}), now: NOW, claiming: new Set([claiming.path]), leaving: new Set([cancelled.path]),
    });
    expect(names(g.startable)).toEqual(['next.md']);
    expect(g.waiting.has(cancelled.path)).toBe(false);
  });

  it('holds everything of a project at its limit, with the count', () => {
    const g = gate(d, {
      queues: [queue(WEBAPP, { pending: [pending(WEBAPP, 'a.md')], active: [active(WEBAPP, 'r1.md'), active(WEBAPP, 'r2.md')] })],
      deps: deps({}), now: NOW,
    });
    expect(g.startable).toEqual([]);
    expect([...g.waiting.values()]).toEqual([{ kind: 'limit', text: 'project at its limit 2/2' }]);
  });
});
