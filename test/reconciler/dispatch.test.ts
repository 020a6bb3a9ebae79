/** The dispatcher against an in-memory backend (no processes): what each action does to the backend, the task files and the slot machine. */
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Action } from '../../src/reconciler/actions.js';
import { T0, actWorld, dispatchIn } from './act-world.js';
import { patchSidecar } from '../helpers/tasks.js';
import { QueueScanner } from '../../src/tasks/scan.js';

const S = 'ccl-auto-1';

let project: string;
const worlds: string[] = [];
afterEach(async () => {
  for (const dir of worlds.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** The act world and a `run` that dispatches actions against the sessions the backend lists now. */
async function world(o: { takesEnter?: boolean } = {}) {
  const w = await actWorld(1, o);
  worlds.push(w.dir);
  project = w.project;
  const run = (...actions: Action[]) => dispatchIn(w, actions);
  return { ...w, run, state: () => w.slots.view(S).state };
}

describe('dispatch', () => {
  it('create-session: one backend call with the ownership and idle tags; the slot is idle, nothing written twice', async () => {
    const w = await world();
    await w.run({ kind: 'create-session', session: S, slot: 1 });
    expect(w.backend.calls).toEqual([`create ${S}`]);
    expect(w.backend.byName(S).tags).toEqual({ pool: 'ccl-auto-', slot: '1', state: 'idle', task: '', until: '', agent: '' });
    expect(w.state()).toBe('idle');
  });

  it('prepare-project: the four queue folders are made, and a new observation finds the project prepared', async () => {
    const w = await world();
    await rm(join(w.project, '.agent-queue'), { recursive: true, force: true });
    const scanner = new QueueScanner();
    const unprepared = async () => (await scanner.scan(w.d.projects[0]!, { now: T0, settleMs: 0, maxBytes: 1_000 })).unprepared;
    expect(await unprepared()).toBe(true);
    await w.run({ kind: 'prepare-project', path: w.project });
    expect((await readdir(join(w.project, '.agent-queue'))).sort()).toEqual(['active', 'done', 'failed', 'inbox']);
    const fresh = await new QueueScanner().scan(w.d.projects[0]!, { now: T0, settleMs: 0, maxBytes: 1_000 });
    expect(fresh.unprepared).toBeUndefined();
    expect(await unprepared()).toBeUndefined(); // the first scanner looks once, when it first meets the project
  });

  it('claim then launch: the task moves to active/, the agent starts in the project, the slot waits for its prompt, and its tags say so', async () => {
    const w = await world();
    await w.run({ kind: 'create-session', session: S, slot: 1 });
    const t = await w.inboxTask('fix-login.md');
    await w.run(
      { kind: 'claim-task', session: S, task: t },
      { kind: 'launch-agent', session: S, task: t.path, agent: 'screeny', model: 'sonnet', priority: 'default', project },
    );
    const active = join(project, '.agent-queue', 'active', 'fix-login.md');
    expect(await readdir(join(project, '.agent-queue', 'inbox'))).toEqual([]);
    expect(w.backend.calls).toEqual([`start ${S} sh --model sonnet`, `tag ${S} state=awaitingPrompt task=${active} until=${T0 + 30_000} agent=screeny`]);
    expect(w.backend.byName(S).program).toMatchObject({ cwd: project, env: { AGENTPOOL_SESSION: S, AGENTPOOL_TASK: active } });
    expect(w.slots.view(S)).toMatchObject({ state: 'awaitingPrompt', task: active, agent: 'screeny', deadline: T0 + 30_000 });
    expect(await w.sidecar(active)).toMatchObject({ state: 'launched', attempts: 1, model: 'sonnet' });
    expect(w.transitions.map((t) => `${t.from}→${t.to}:${t.event}`)).toEqual(['absent→idle:CREATED', 'idle→launching:CLAIMED', 'launching→awaiting-prompt:LAUNCHED']);
  });

  it('writes the tags before the machine moves, so a transition in the log means its state is on the session', async () => {
    const w = await world();
    await w.run({ kind: 'create-session', session: S, slot: 1 });
    const t = await w.inboxTask('t.md');
    const seen: string[] = [];
    const setTags = w.backend.setTags.bind(w.backend);
    w.backend.setTags = async (ref, tags) => {
      seen.push(`${tags.state} written, last transition to ${w.transitions.at(-1)!.to}`);
      return setTags(ref, tags);
    };
    await w.run({ kind: 'claim-task', session: S, task: t }, { kind: 'launch-agent', session: S, task: t.path, agent: 'screeny', model: 'sonnet', priority: 'default', project: w.project });
    expect(seen).toEqual(['awaitingPrompt written, last transition to launching']);
    expect(w.transitions.at(-1)!.to).toBe('awaiting-prompt');
  });

  it('a task taken by someone else before the claim: the slot goes back to idle and nothing is launched', async () => {
    const w = await world();
    await w.run({ kind: 'create-session', session: S, slot: 1 });
    const t = await w.inboxTask('gone.md');
    await rm(t.path);
    await w.run({ kind: 'claim-task', session: S, task: t });
    expect(w.state()).toBe('idle');
    expect(w.backend.calls.filter((c) => c.startsWith('start'))).toEqual([]);
  });

  it('launch into a vanished project folder fails the attempt with a reason that says what to fix', async () => {
    const w = await world();
    await w.run({ kind: 'create-session', session: S, slot: 1 });
    const t = await w.inboxTask('t.md');
    await w.run({ kind: 'claim-task', session: S, task: t });
    await rm(project, { recursive: true, force: true });
    await w.run({ kind: 'launch-agent', session: S, task: t.path, agent: 'screeny', model: 'sonnet', priority: 'default', project });
    expect(w.slots.view(S)).toMatchObject({ state: 'stopping', verdict: { outcome: 'failed', reason: `the project folder ${project} is missing: restore it or remove the project from the config` } });
  });

  it('launch of a task that can never run (its file broken after the claim): the attempt fails as the task\'s fault, nothing starts', async () => {
    const w = await world();
    await w.run({ kind: 'create-session', session: S, slot: 1 });
    const t = await w.inboxTask('t.md');
    await w.run({ kind: 'claim-task', session: S, task: t });
    await writeFile(join(project, '.agent-queue', 'active', 't.md'), '---\npriority: [\n---\nbody\n');
    const before = w.backend.calls.length;
    await w.run({ kind: 'launch-agent', session: S, task: join(project, '.agent-queue', 'active', 't.md'), agent: 'screeny', model: 'sonnet', priority: 'default', project });
    expect(w.slots.view(S)).toMatchObject({ state: 'stopping', verdict: { outcome: 'failed', taskFault: true, reason: expect.stringMatching(/^the task cannot run: .*front matter/) } });
    expect(w.backend.calls.slice(before).filter((c) => c.startsWith('start'))).toEqual([]);
  });

  it('a warm-up that cannot start: the slot stops without asking its idle program anything and cools down for afterFailure', async () => {
    const w = await world();
    await w.run({ kind: 'create-session', session: S, slot: 1 });
    w.backend.startError = new Error('no space left on device');
    await w.run({ kind: 'warm-agent', session: S, agent: 'screeny', model: 'sonnet', project });
    const verdict = { outcome: 'failed' as const, reason: 'cannot warm an agent: could not start the agent (sh): no space left on device' };
    expect(w.slots.view(S)).toMatchObject({ state: 'stopping', task: null, agent: null, verdict });
    await w.run({ kind: 'stop-agent', session: S, agent: 'screeny', task: null, verdict, disposition: 'fail', refundAttempt: false, notBefore: 0, cooldownUntil: T0 + 60_000 });
    expect(w.backend.calls.filter((c) => !c.startsWith('tag'))).toEqual([`rest ${S}`]);
    expect(w.slots.view(S)).toMatchObject({ state: 'cooldown', deadline: T0 + 60_000 });
  });

  async function launched(w: Awaited<ReturnType<typeof world>>) {
    await w.run({ kind: 'create-session', session: S, slot: 1 });
    const t = await w.inboxTask('t.md');
    await w.run({ kind: 'claim-task', session: S, task: t }, { kind: 'launch-agent', session: S, task: t.path, agent: 'screeny', model: 'sonnet', priority: 'default', project });
    w.backend.byName(S).screen = '> ';
    return join(project, '.agent-queue', 'active', 't.md');
  }

  it('submit: the message is pasted once, Enter pressed, the busy screen is the proof; the slot works and its tags say until when', async () => {
    const w = await world();
    const task = await launched(w);
    await w.run({ kind: 'submit-task', session: S, task, agent: 'screeny' });
    expect(w.backend.calls.filter((c) => !c.startsWith('tag'))).toEqual([`deliver ${S} ${JSON.stringify(`[t.md] Fix the login bug${w.d.tasks.instructionSuffix}`)}`, `keys ${S} Enter`]);
    expect(w.slots.view(S)).toMatchObject({ state: 'working', task });
    expect(w.backend.byName(S).tags).toMatchObject({ state: 'working', task, agent: 'screeny' });
    expect(await w.sidecar(task)).toMatchObject({ state: 'submitted' });
  });

  it('submit to an agent that never shows the proof: Enter 1 + submitRetries times, then the attempt fails and says why', async () => {
    const w = await world({ takesEnter: false });
    const task = await launched(w);
    await w.run({ kind: 'submit-task', session: S, task, agent: 'screeny' });
    expect(w.backend.calls.filter((c) => c.startsWith('keys'))).toEqual([`keys ${S} Enter`, `keys ${S} Enter`]);
    expect(w.slots.view(S)).toMatchObject({ state: 'stopping', verdict: { reason: 'the agent did not take the prompt after 2 Enter presses (no busy signal on screen)' } });
    expect(await w.sidecar(task)).toMatchObject({ state: 'submitting' });
  });

  it('submit to an agent that takes the task and ends at once, its dead pane showing nothing: taken at the first Enter', async () => {
    const w = await world();
    const task = await launched(w);
    w.backend.onKeys = (s, keys) => {
      if (keys.includes('Enter')) Object.assign(s, { screen: '', process: { dead: true, status: 0, signal: null } });
    };
    await w.run({ kind: 'submit-task', session: S, task, agent: 'screeny' });
    expect(w.backend.calls.filter((c) => c.startsWith('keys'))).toEqual([`keys ${S} Enter`]);
    expect(w.slots.view(S)).toMatchObject({ state: 'working', task });
  });

  it('stop-agent (done): the agent is asked to exit, the session rests, the task goes to done/, the slot cools down and its tags say so', async () => {
    const w = await world();
    const task = await launched(w);
    await w.run({ kind: 'submit-task', session: S, task, agent: 'screeny' });
    const verdict = { outcome: 'done' as const, reason: 'the agent is back at its prompt' };
    w.slots.send(S, { type: 'AGENT_ENDED', verdict }); // what the pass that planned the stop told the machine
    await w.run({
      kind: 'stop-agent', session: S, agent: 'screeny', task, verdict: { outcome: 'done', reason: 'the agent is back at its prompt' },
      disposition: 'done', refundAttempt: false, notBefore: 0, cooldownUntil: T0 + 5_000,
    });
    expect(w.backend.calls).toEqual([`keys ${S} C-d`, 'list', `rest ${S}`, `tag ${S} state=cooldown task= until=${T0 + 5_000} agent=`]);
    expect(await readdir(join(project, '.agent-queue', 'done'))).toContain('t.md');
    expect(await readdir(join(project, '.agent-queue', 'active'))).toEqual([]);
    expect(w.slots.view(S)).toMatchObject({ state: 'cooldown', task: null, agent: null, deadline: T0 + 5_000 });
  });

  it('a cancelled task is never retried: not when its agent then fails, not when a restart finds it without an agent', async () => {
    const w = await world();
    const task = await launched(w);
    await w.run({ kind: 'submit-task', session: S, task, agent: 'screeny' });
    await patchSidecar(task, { cancel: { at: T0, reason: 'cancelled with agentpool cancel' } });
    w.slots.send(S, { type: 'AGENT_ENDED', verdict: { outcome: 'failed', reason: 'crash' } });
    await w.run({
      kind: 'stop-agent', session: S, agent: 'screeny', task, verdict: { outcome: 'failed', reason: 'crash' },
      disposition: 'retry', refundAttempt: false, notBefore: T0 + 30_000, cooldownUntil: T0 + 5_000,
    });
    expect(await readdir(join(project, '.agent-queue', 'failed'))).toEqual(['t.md', 't.md.result.json']);
    expect(await readdir(join(project, '.agent-queue', 'active'))).toEqual([]);

    const again = await w.inboxTask('u.md');
    await w.run({ kind: 'claim-task', session: S, task: again });
    const active = join(project, '.agent-queue', 'active', 'u.md');
    await patchSidecar(active, { cancel: { at: T0, reason: 'cancelled with agentpool cancel' } });
    await w.run({ kind: 'requeue-task', path: active, project, reason: 'the session went away', refundAttempt: true, notBefore: 0 });
    expect(await readdir(join(project, '.agent-queue', 'failed'))).toContain('u.md');
    expect(await readdir(join(project, '.agent-queue', 'active'))).toEqual([]);
  });

  it('kill-session and retag go to the backend by ref; drain reaches the machine', async () => {
    const w = await world();
    await w.run({ kind: 'create-session', session: S, slot: 1 });
    const ref = w.backend.byName(S).ref;
    await w.run({ kind: 'retag', session: S, ref, why: 'ownership', tags: { pool: 'ccl-auto-', slot: '1' }, found: { pool: '', slot: '' } });
    expect(w.backend.calls).toEqual([`tag ${S} pool=ccl-auto- slot=1`]);
    await w.run({ kind: 'drain-session', session: S });
    expect(w.slots.view(S).draining).toBe(true);
    await w.run({ kind: 'kill-session', session: S, ref, reason: 'the pool is smaller than this slot' });
    expect(w.backend.calls).toEqual([`destroy ${S}`]);
    expect(w.slots.has(S)).toBe(false);
  });
});
