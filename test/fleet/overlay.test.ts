/** What a controller in fleet mode runs (src/fleet/overlay.ts) and how a host writes a job as its task (host.ts): pure. */
import { describe, expect, it } from 'vitest';
import { fleetDesired } from '../../src/fleet/overlay.js';
import { localName, queuesOf, taskText } from '../../src/fleet/host.js';
import { parseTask } from '../../src/tasks/parse.js';
import { desired } from '../reconciler/fixtures.js';

const withFleet = (role: string) => desired(3, 'fleet:', '  redis: redis://127.0.0.1:6390', '  host: h1', `  role: ${role}`, 'controller: { stateDir: /var/lib/agentpool }');

describe('fleetDesired', () => {
  it('leaves a config without fleet: as it is', () => {
    const d = desired(3);
    expect(fleetDesired(d, ['webapp'])).toBe(d);
  });

  it('both: the file\'s projects go to the queue, the clones run here once each, as worktrees on kept branches', () => {
    const d = fleetDesired(withFleet('both'), ['webapp']);
    expect(d.projects.map((p) => [p.name, p.fleet])).toEqual([['webapp', 'front-door'], ['billing', 'front-door'], ['webapp@fleet', 'checkout']]);
    expect(d.projects[2]).toMatchObject({
      path: '/var/lib/agentpool/fleet/checkouts/webapp', inbox: '/var/lib/agentpool/fleet/checkouts/webapp/.agent-queue/inbox',
      isolation: 'worktree', worktree: { commit: 'auto', branches: 'keep', baseRef: null },
    });
    expect(d.tasks.maxAttempts).toBe(1);
    expect(d.pool.size).toBe(3);
  });

  it('front-door: no slots, its projects to the queue, no clones; host: no inboxes of its own', () => {
    const door = fleetDesired(withFleet('front-door'), ['webapp']);
    expect(door.pool.size).toBe(0);
    expect(door.projects.map((p) => p.fleet)).toEqual(['front-door', 'front-door']);
    expect(door.tasks.maxAttempts).toBe(3);
    const host = fleetDesired(withFleet('host'), ['webapp', 'api']);
    expect(host.projects.map((p) => p.name)).toEqual(['webapp@fleet', 'api@fleet']);
    expect(queuesOf(host)).toEqual(['agentpool-claude']);
  });
});

describe('a job as a host\'s task', () => {
  it('keeps the text and what it asks, names where it starts, and drops what the front door already waited for', () => {
    const text = '---\ntitle: Fix it\npriority: high\nafter: [a.md]\nnot_before: "2026-12-06 10:00"\ntags: [x]\n---\nFix the login.\n';
    const out = taskText(text, { base: 'c0ffee', agent: 'claude', model: 'opus', priority: 'high' });
    const parsed = parseTask(new TextEncoder().encode(out));
    expect(parsed).toMatchObject({ ok: true, task: { body: 'Fix the login.', meta: { title: 'Fix it', priority: 'high', base: 'c0ffee', agent: 'claude', model: 'opus', tags: ['x'] } } });
    expect(out).not.toMatch(/after|not_before/);
    // A text without front matter gets one.
    expect(parseTask(new TextEncoder().encode(taskText('Just do it.\n', { base: 'abc', agent: 'fake', model: 'm', priority: 'default' })))).toMatchObject({ ok: true, task: { body: 'Just do it.', meta: { base: 'abc' } } });
  });

  it('is named after the task and the lease: each lease of one task has its own file', () => {
    const job = { task: 'webapp/fix login.md' } as never;
    expect(localName({ job, token: 'h1:0f6e1c2a-1111-2222-3333-444455556666' })).toBe('fix-login--55556666.md');
    expect(localName({ job, token: 'h1:0f6e1c2a-1111-2222-3333-777788889999' })).not.toBe(localName({ job, token: 'h1:0f6e1c2a-1111-2222-3333-444455556666' }));
  });
});
