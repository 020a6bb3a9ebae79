/** A world for unit tests of the act side: a project on disk, an in-memory backend, slot machines on a simulated clock. */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedClock } from 'xstate';
import { parseConfig } from '../../src/config/parse.js';
import { formatConfigError, type DesiredState } from '../../src/config/types.js';
import type { Clock } from '../../src/machines/clock.js';
import { Slots, type Transition } from '../../src/machines/slots.js';
import type { PendingTask } from '../../src/tasks/types.js';
import { FakeBackend } from '../helpers/fake-backend.js';
import { pino } from 'pino';
import type { Action } from '../../src/reconciler/actions.js';
import { dispatch } from '../../src/reconciler/dispatch.js';
import type { ObservedSession } from '../../src/reconciler/snapshot.js';

/** The simulated clock's start: a minute ahead of the real one, so files the test writes have settled. */
export const T0 = Math.ceil(Date.now() / 1000) * 1000 + 60_000;

export interface ActWorld {
  dir: string;
  project: string;
  d: DesiredState;
  backend: FakeBackend;
  sim: SimulatedClock;
  clock: Clock;
  slots: Slots;
  transitions: Transition[];
  /** Writes a task into the inbox and returns it as the scanner would. */
  inboxTask(name: string, body?: string): Promise<PendingTask>;
  sidecar(task: string): Promise<{ state: string; attempts: number; model: string }>;
}

/**
 * A pool of `size` whose agent only its screen speaks for (`> ` when ready, `working` while busy, done when
 * back at its prompt), run as `sh` so the controller finds the program. The fake backend plays the agent:
 * typed text shows after `> `, Enter makes it busy, C-d ends it.
 */
export async function actWorld(size = 1, o: { takesEnter?: boolean } = {}): Promise<ActWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'agentpool-act-'));
  const project = join(dir, 'webapp');
  for (const f of ['inbox', 'active', 'done', 'failed']) await mkdir(join(project, '.agent-queue', f), { recursive: true });
  const text = [
    'tmux: { socket: unused }',
    // No sandbox: the fake backend runs no program (the sandbox's argv has its own tests, test/sandbox/).
    `pool: { prefix: ccl-auto-, size: ${size}, agent: screeny, prewarm: false, sandbox: off, cooldown: { afterTask: 5s, afterFailure: 1m } }`,
    `projects: [{ path: ${project} }]`,
    `controller: { stateDir: ${join(dir, 'state')} }`,
    'tasks: { settle: 0s }',
    'agents:',
    '  screeny:',
    '    extends: generic',
    '    command: [sh, --model, "{model}"]',
    '    driver: screen',
    '    done: idle',
    "    screen: { ready: ['^> $'], busy: ['working'] }",
    '    exit: { keys: [C-d], timeout: 1s }',
    '    submitVerify: 200ms',
    '    submitRetries: 1',
    '',
  ].join('\n');
  const r = parseConfig(text, join(dir, 'desired-state.yaml'), { HOME: dir });
  if ('errors' in r) throw new Error(r.errors.map(formatConfigError).join('\n'));
  const sim = new SimulatedClock();
  sim.set(T0);
  const clock: Clock = { now: () => sim.now(), setTimeout: (fn, ms) => sim.setTimeout(fn, ms), clearTimeout: (id) => sim.clearTimeout(id as number) };
  const transitions: Transition[] = [];
  const slots = new Slots(clock, (t) => transitions.push(t));
  const backend = new FakeBackend();
  backend.onText = (s, typed) => void (s.screen = `> ${typed}`);
  backend.onKeys = (s, keys) => {
    if (keys.includes('Enter') && o.takesEnter !== false) s.screen = 'working';
    if (keys.includes('C-d')) s.process = { dead: true, status: 0, signal: null };
  };
  return {
    dir, project, d: r.value, backend, sim, clock, slots, transitions,
    async inboxTask(name, body = 'Fix the login bug\n') {
      const path = join(project, '.agent-queue', 'inbox', name);
      await writeFile(path, body);
      return { path, project, name, priority: 'default', arrivedAt: T0 - 1_000, attempts: 0, notBefore: 0, where: 'inbox' };
    },
    async sidecar(task) {
      return JSON.parse(await readFile(`${task}.state.json`, 'utf8'));
    },
  };
}

/**
 * Dispatches `actions` in `w` against the sessions its backend lists now, as a pass would after observing
 * them; the backend's call log then holds what the actions did, not the listing.
 */
export async function dispatchIn(w: ActWorld, actions: Action[]): Promise<void> {
  const sessions = new Map<string, ObservedSession>(
    (await w.backend.list()).map((b) => [b.name, {
      name: b.name, ref: b.ref, process: b.process, owned: true,
      tags: { pool: b.tags.pool, slot: b.tags.slot }, saved: { state: b.tags.state, task: b.tags.task, until: null, agent: b.tags.agent },
    }]),
  );
  w.backend.calls.length = 0;
  await dispatch({ d: w.d, backend: w.backend, slots: w.slots, clock: w.clock, log: pino({ level: 'silent' }), sessions }, actions);
}
