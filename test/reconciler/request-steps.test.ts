/** A person's requests as dispatch performs them (no processes): what each does to the task files and the slot, and the reply it leaves. */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCordoned } from '../../src/controls/cordoned.js';
import { requestsDir } from '../../src/controls/requests.js';
import type { Action } from '../../src/reconciler/actions.js';
import { actWorld, T0, dispatchIn } from './act-world.js';

const S = 'ccl-auto-1';
const worlds: string[] = [];
afterEach(async () => {
  for (const dir of worlds.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function world() {
  const w = await actWorld(1);
  worlds.push(w.dir);
  const stateDir = w.d.controller.stateDir;
  const run = async (...actions: Action[]) => {
    await dispatchIn(w, actions);
  };
  /** A request file as the CLI writes it; returns what the action answering it names. */
  const ask = async (id: string) => {
    await mkdir(requestsDir(stateDir), { recursive: true });
    await writeFile(join(requestsDir(stateDir), `${id}.json`), JSON.stringify({ id, kind: 'cancel', target: '', at: T0 - 5_000 }));
    return { id, at: T0 - 5_000 };
  };
  const reply = async (id: string) => {
    expect(existsSync(join(requestsDir(stateDir), `${id}.json`)), 'the request is gone once answered').toBe(false);
    return JSON.parse(await readFile(join(requestsDir(stateDir), `${id}.reply.json`), 'utf8'));
  };
  const queue = (dir: string, name: string) => join(w.project, '.agent-queue', dir, name);
  return { ...w, stateDir, run, ask, reply, queue };
}

describe('dispatch: a person\'s requests', () => {
  it('cancel of a queued task: to failed/ with the reason, and the reply says so', async () => {
    const w = await world();
    const t = await w.inboxTask('a.md');
    await w.run({ kind: 'cancel-task', path: t.path, project: w.project, request: await w.ask('1') });
    expect(await w.reply('1')).toEqual({ ok: true, message: `a.md cancelled before it started: ${w.queue('failed', 'a.md')}` });
    expect(JSON.parse(await readFile(w.queue('failed', 'a.md.result.json'), 'utf8')).reason).toBe('cancelled with agentpool cancel');
    await w.run({ kind: 'cancel-task', path: w.queue('failed', 'a.md'), project: w.project, request: await w.ask('2') });
    expect(await w.reply('2')).toEqual({ ok: false, message: 'a.md has already ended (in failed/)' });
  });

  it('cancel of a task its slot holds: the mark is written first, then the slot stops its agent as cancelled', async () => {
    const w = await world();
    await w.run({ kind: 'create-session', session: S, slot: 1 });
    const t = await w.inboxTask('a.md');
    await w.run({ kind: 'claim-task', session: S, task: t }, { kind: 'launch-agent', session: S, task: t.path, agent: 'screeny', model: 'sonnet', priority: 'default', project: w.project });
    const path = w.queue('active', 'a.md');
    await w.run({ kind: 'cancel-task', path, project: w.project, session: S, request: await w.ask('1') });
    expect(await w.reply('1')).toEqual({ ok: true, message: `cancelling a.md: the agent in ${S} is stopped and the task goes to failed/` });
    expect((await w.sidecar(path)) as unknown).toMatchObject({ cancel: { at: T0, reason: 'cancelled with agentpool cancel' } });
    expect(w.slots.view(S)).toMatchObject({ state: 'stopping', verdict: { outcome: 'cancelled', reason: 'cancelled with agentpool cancel' } });
    // Already ending: said so, nothing sent again.
    await w.run({ kind: 'cancel-task', path, project: w.project, session: S, request: await w.ask('2') });
    expect(await w.reply('2')).toEqual({ ok: false, message: `a.md is already ending in ${S}` });
  });

  it('a cancel a dead controller recorded: the slot stops its agent, and no reply is written (nobody waits)', async () => {
    const w = await world();
    await w.run({ kind: 'create-session', session: S, slot: 1 });
    const t = await w.inboxTask('a.md');
    await w.run({ kind: 'claim-task', session: S, task: t }, { kind: 'launch-agent', session: S, task: t.path, agent: 'screeny', model: 'sonnet', priority: 'default', project: w.project });
    await w.run({ kind: 'cancel-task', path: w.queue('active', 'a.md'), project: w.project, session: S });
    expect(w.slots.view(S)).toMatchObject({ state: 'stopping', verdict: { outcome: 'cancelled', reason: 'cancelled with agentpool cancel' } });
    expect(existsSync(requestsDir(w.stateDir))).toBe(false);
  });

  it('cordon and uncordon: kept in cordoned.json; a session of no pool is refused', async () => {
    const w = await world();
    await w.run({ kind: 'cordon-session', target: S, on: true, request: await w.ask('1') });
    expect(await w.reply('1')).toEqual({ ok: true, message: `${S} takes no new work` });
    expect([...(await readCordoned(w.stateDir))]).toEqual([S]);
    await w.run({ kind: 'cordon-session', target: S, on: true, request: await w.ask('2') }, { kind: 'cordon-session', target: 'nope-1', on: true, request: await w.ask('3') });
    expect((await w.reply('2')).message).toBe(`${S} is already cordoned`);
    expect(await w.reply('3')).toEqual({ ok: false, message: 'nope-1 is not a session of the pool ccl-auto-*' });
    await w.run({ kind: 'cordon-session', target: S, on: false, request: await w.ask('4') });
    expect((await w.reply('4')).message).toBe(`${S} takes tasks again`);
    expect([...(await readCordoned(w.stateDir))]).toEqual([]);
    // A name of the pool's form that is no slot of it (a typo): refused, nothing recorded.
    await w.run({ kind: 'cordon-session', target: 'ccl-auto-9', on: true, request: await w.ask('5') });
    expect(await w.reply('5')).toEqual({ ok: false, message: 'ccl-auto-9 is not a session of the pool: its slots are ccl-auto-1 to ccl-auto-1' });
    expect([...(await readCordoned(w.stateDir))]).toEqual([]);
  });

  it('retry of a failed task judges the file again: one that can never run is refused, stays in failed/, and no agent sees it', async () => {
    const w = await world();
    const t = await w.inboxTask('broken.md');
    await w.run({ kind: 'reject-task', task: { path: t.path, project: w.project, name: 'broken.md', reason: 'the front matter is broken' } });
    await writeFile(w.queue('failed', 'broken.md'), '---\npriority: [\n---\nbody\n');
    await w.run({ kind: 'retry-task', path: w.queue('failed', 'broken.md'), project: w.project, request: await w.ask('1') });
    expect(await w.reply('1')).toEqual({ ok: false, message: expect.stringMatching(/^broken\.md cannot be retried: fix the file first: .*front matter/) });
    expect(existsSync(w.queue('failed', 'broken.md'))).toBe(true);
    expect(existsSync(w.queue('active', 'broken.md'))).toBe(false);
    // Fixed, it is queued again.
    await writeFile(w.queue('failed', 'broken.md'), 'Fixed now.\n');
    await w.run({ kind: 'retry-task', path: w.queue('failed', 'broken.md'), project: w.project, request: await w.ask('2') });
    expect(await w.reply('2')).toMatchObject({ ok: true });
    expect(existsSync(w.queue('active', 'broken.md'))).toBe(true);
  });

  it('retry of a task that has not failed is refused, and says why', async () => {
    const w = await world();
    const t = await w.inboxTask('a.md');
    await w.run({ kind: 'retry-task', path: t.path, project: w.project, request: await w.ask('1') });
    expect(await w.reply('1')).toEqual({ ok: false, message: 'a.md cannot be retried: it is waiting in the inbox' });
  });
});
