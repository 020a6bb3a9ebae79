import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stateDirFor } from '../../src/config/normalize.js';
import { readStatusFile, sessionStatus, writeStatusFile, type StatusFile } from '../../src/status/status-file.js';
import { active, desired, NOW, observed, queue, snapshot, view, views, WEBAPP } from '../reconciler/fixtures.js';

describe('sessionStatus', () => {
  it('shows each slot with its state, since when, task, project, model, attempt and last error; absent slots and foreign sessions too', () => {
    const t = `${WEBAPP}/.agent-queue/active/fix-login.md`;
    const sessions = [
      observed('ccl-auto-1'),
      observed('ccl-auto-2', { owned: false, tags: { pool: '', slot: '' } }),
      observed('ccl-auto-5'), // surplus: the pool is 3
      observed('ccl-main', { owned: false, tags: { pool: '', slot: '' } }),
      observed('someone-else', { owned: false, tags: { pool: '', slot: '' } }),
    ];
    const q = [queue(WEBAPP, { active: [active(WEBAPP, 'fix-login.md', { session: 'ccl-auto-1', model: 'opus', attempts: 2 })] })];
    const v = views(view('ccl-auto-1', 'working', { task: t, deadline: NOW + 60_000 }), view('ccl-auto-5', 'cooldown', { deadline: NOW + 1_000 }));
    const h = { since: new Map([['ccl-auto-1', NOW - 5_000]]), lastError: new Map([['ccl-auto-1', 'the agent exited with status 1']]), cordoned: new Set(['ccl-auto-1']) };
    expect(sessionStatus(desired(3), snapshot({ sessions, queues: q }), v, h)).toEqual([
      { session: 'ccl-auto-1', role: 'pool', state: 'working', since: NOW - 5_000, task: 'fix-login.md', project: 'webapp', model: 'opus', attempt: 2, until: NOW + 60_000, lastError: 'the agent exited with status 1', cordoned: true },
      { session: 'ccl-auto-2', role: 'unowned', state: '-', since: null, task: '', project: '', model: null, attempt: null, until: null, lastError: null, cordoned: false },
      { session: 'ccl-auto-3', role: 'pool', state: 'absent', since: null, task: '', project: '', model: null, attempt: null, until: null, lastError: null, cordoned: false },
      { session: 'ccl-auto-5', role: 'surplus', state: 'cooldown', since: null, task: '', project: '', model: null, attempt: null, until: NOW + 1_000, lastError: null, cordoned: false },
      { session: 'ccl-main', role: 'dedicated', state: '-', since: null, task: '', project: '', model: null, attempt: null, until: null, lastError: null, cordoned: false },
    ]);
  });
});

describe('the status file', () => {
  it('is live while its controller runs and writes it; stale or from a dead pid, it is not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agentpool-status-'));
    const status: StatusFile = {
      version: 1, pid: process.pid, config: '/c.yaml', startedAt: Date.now(), writtenAt: Date.now(), generation: 1, lastReload: null,
      pool: { prefix: 'ccl-auto-', desired: 1, actual: 1, agent: 'claude' }, sessions: [], problems: [],
    };
    expect(await readStatusFile(dir, 60_000)).toBeNull();
    await writeStatusFile(dir, status);
    expect(await readStatusFile(dir, 60_000)).toEqual({ status, live: true });
    await writeStatusFile(dir, { ...status, writtenAt: Date.now() - 120_000 });
    expect((await readStatusFile(dir, 60_000))?.live).toBe(false);
    await writeStatusFile(dir, { ...status, pid: 2 ** 22 + 12_345 });
    expect((await readStatusFile(dir, 60_000))?.live).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });

  it('is found from the tmux and controller.stateDir keys alone, so a config with errors elsewhere still leads to it', () => {
    const env = { HOME: '/home/u' };
    expect(stateDirFor({ tmux: { socket: 'agentpool' } }, '/etc/a/desired-state.yaml', env)).toBe('/home/u/.local/state/agentpool/agentpool');
    expect(stateDirFor({ tmux: { socket: 'x' }, controller: { stateDir: 'state' } }, '/etc/a/desired-state.yaml', env)).toBe('/etc/a/state');
    expect(stateDirFor({ controller: { stateDir: '~/s' } }, '/etc/a/desired-state.yaml', env)).toBe('/home/u/s');
    // Without either key, the default socket's; with keys that are not text, none.
    expect(stateDirFor({}, '/etc/a/desired-state.yaml', env)).toBe('/home/u/.local/state/agentpool/agentpool');
    expect(stateDirFor({ tmux: { socket: 3 as unknown as string } }, '/etc/a/desired-state.yaml', env)).toBeNull();
  });
});
