/** Each act step on a task reads its sidecar once (the attempt ledger, src/tasks/attempt.ts), whatever it writes. */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Action } from '../../src/reconciler/actions.js';
import { SIDECAR_SUFFIX } from '../../src/tasks/layout.js';
import { T0, actWorld, dispatchIn } from './act-world.js';

const reads = vi.hoisted(() => [] as string[]);
vi.mock('../../src/tasks/scan.js', async (importOriginal) => {
  const scan = await importOriginal<typeof import('../../src/tasks/scan.js')>();
  return { ...scan, readSidecar: (path: string) => (reads.push(path), scan.readSidecar(path)) };
});

const S = 'ccl-auto-1';
const worlds: string[] = [];
afterEach(async () => {
  for (const dir of worlds.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function world() {
  const w = await actWorld(1);
  worlds.push(w.dir);
  /** Dispatches the actions and returns how many times they read a sidecar (not a settled task's record). */
  const run = async (...actions: Action[]) => {
    reads.length = 0;
    await dispatchIn(w, actions);
    return reads.filter((p) => p.endsWith(SIDECAR_SUFFIX)).length;
  };
  await run({ kind: 'create-session', session: S, slot: 1 });
  const t = await w.inboxTask('t.md');
  const task = join(w.project, '.agent-queue', 'active', 't.md');
  return { ...w, run, t, task };
}

describe('the attempt ledger reads a sidecar once per step', () => {
  it('launch, submit and a stop that finishes the task: one read each', async () => {
    const w = await world();
    // A claim from the inbox writes the sidecar it made: the launch after it is the one read.
    expect(await w.run({ kind: 'claim-task', session: S, task: w.t }, { kind: 'launch-agent', session: S, task: w.t.path, agent: 'screeny', model: 'sonnet', priority: 'default', project: w.project })).toBe(1);
    expect(w.slots.view(S).state).toBe('awaitingPrompt');
    w.backend.byName(S).screen = '> ';
    expect(await w.run({ kind: 'submit-task', session: S, task: w.task, agent: 'screeny' })).toBe(1);
    expect(await w.sidecar(w.task)).toMatchObject({ state: 'submitted', attempts: 1, model: 'sonnet' });
    const verdict = { outcome: 'done' as const, reason: 'the agent is back at its prompt' };
    w.slots.send(S, { type: 'AGENT_ENDED', verdict });
    const stop = { kind: 'stop-agent', session: S, agent: 'screeny', task: w.task, verdict, disposition: 'done', refundAttempt: false, notBefore: 0, cooldownUntil: T0 + 5_000 } as const;
    expect(await w.run(stop)).toBe(1);
    expect(w.slots.view(S).state).toBe('cooldown');
  });

  it('a stop that a timer caused sends the task back to the queue (and tells notify): one read', async () => {
    const w = await world();
    await w.run({ kind: 'claim-task', session: S, task: w.t }, { kind: 'launch-agent', session: S, task: w.t.path, agent: 'screeny', model: 'sonnet', priority: 'default', project: w.project });
    w.backend.byName(S).screen = '> ';
    await w.run({ kind: 'submit-task', session: S, task: w.task, agent: 'screeny' });
    const verdict = { outcome: 'failed' as const, reason: 'ran past its time', cause: 'task-timeout' as const };
    w.slots.send(S, { type: 'AGENT_ENDED', verdict });
    const stop = { kind: 'stop-agent', session: S, agent: 'screeny', task: w.task, verdict, disposition: 'retry', refundAttempt: false, notBefore: T0 + 30_000, cooldownUntil: T0 + 60_000 } as const;
    expect(await w.run(stop)).toBe(1);
    expect(await w.sidecar(w.task)).toMatchObject({ state: 'queued', attempts: 1, notBefore: T0 + 30_000 });
  });
});
