import { describe, it, expect } from 'vitest';
import { configSchema, type SchemaNode } from '../../src/config/schema.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import { errorsOf, HEAD, valueOf, yaml } from './helpers.js';

describe('normalize', () => {
  it('fills every default of a minimal config', () => {
    const v = valueOf(yaml(...HEAD));
    expect(v.file).toBe('/etc/agentpool/desired-state.yaml');
    expect(v.tmux).toEqual({ socket: 'test', transport: 'control' });
    expect(v.pool).toEqual({
      prefix: 'w-', startIndex: 1, size: 2, agent: 'claude', prewarm: 2, maxConcurrentPerProject: null, sandbox: { mode: 'auto', allow: [], write: [], hide: [] },
      cooldown: { afterTaskMs: 5_000, afterFailureMs: 300_000 },
    });
    expect(v.projects).toEqual([]);
    expect(v.dedicated).toEqual([]);
    expect(v.agents).toEqual(SHIPPED_PROFILES);
    expect(v.tasks).toEqual({
      maxAttempts: 3, retryBackoffMs: 30_000, maxBytes: 1_048_576, settleMs: 500,
      instructionSuffix: DEFAULTS.tasks.instructionSuffix, emptyBodyText: DEFAULTS.tasks.emptyBodyText,
      resumeIdDir: null, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    });
    expect(v.controller).toEqual({ resyncMs: 10_000, stateDir: '/home/you/.local/state/agentpool/test', metrics: null, web: null, webInput: false });
  });

  it('reads pool.prewarm as a number of agents: true is every slot, false none', () => {
    const at = (v: string) => valueOf(yaml(...HEAD.map((l) => l.replace(/size: 2/, 'size: 5')), `  prewarm: ${v}`)).pool.prewarm;
    expect([at('true'), at('false'), at('3'), at('0')]).toEqual([5, 0, 3, 0]);
    expect(errorsOf(yaml(...HEAD, '  prewarm: -1'))[0]).toMatch(/pool\.prewarm/);
    expect(errorsOf(yaml(...HEAD, '  prewarm: some'))[0]).toMatch(/pool\.prewarm/);
  });

  it('reads controller.metrics as host and port, loopback when the host is left out', () => {
    const at = (m: string) => valueOf(yaml(...HEAD, `controller: {metrics: "${m}"}`)).controller.metrics;
    expect([at(':9464'), at('0.0.0.0:9100'), at('[::1]:9464')]).toEqual([
      { host: '127.0.0.1', port: 9464 }, { host: '0.0.0.0', port: 9100 }, { host: '::1', port: 9464 },
    ]);
    expect(errorsOf(yaml(...HEAD, 'controller: {metrics: ":70000"}'))[0]).toMatch(/controller\.metrics: port 70000 is not a TCP port/);
  });

  it('converts every duration unit', () => {
    const v = valueOf(yaml(...HEAD, 'tasks: {retryBackoff: 2h, settle: 0ms}', 'controller: {resync: 3m}'));
    expect([v.tasks.retryBackoffMs, v.tasks.settleMs, v.controller.resyncMs]).toEqual([7_200_000, 0, 180_000]);
  });

  it('defaults a project inbox and name, and normalizes its paths', () => {
    const v = valueOf(yaml(...HEAD, 'projects:', '  - path: /src/app/', '  - {path: /src/x/../lib, inbox: /q//in/, name: L}'));
    const none = { agent: null, trust: false, maxConcurrent: null, sandbox: { allow: [], write: [], hide: [] }, budget: { day: null }, isolation: 'none', worktree: { baseRef: null, keep: 'failed', commit: 'off', branches: 'delete-empty' } };
    expect(v.projects).toEqual([
      { path: '/src/app', inbox: '/src/app/.agent-queue/inbox', name: 'app', ...none },
      { path: '/src/lib', inbox: '/q/in', name: 'L', ...none },
    ]);
  });

  it('reads a project\'s isolation and worktree settings', () => {
    // Whether the folder is a repository is the loader's question (test/config/load.test.ts); none is needed here.
    const v = valueOf(yaml(...HEAD, 'projects:', '  - {path: /src/repo, isolation: worktree, worktree: {baseRef: main, keep: always, commit: auto, branches: keep}}'));
    expect(v.projects[0]).toMatchObject({ isolation: 'worktree', worktree: { baseRef: 'main', keep: 'always', commit: 'auto', branches: 'keep' } });
  });

  it('picks the default stateDir from XDG_STATE_HOME and a sanitized socketPath', () => {
    const text = yaml('tmux: {socketPath: /tmp/my sock/ap.sock}', 'pool: {prefix: w-, size: 0}');
    const v = valueOf(text, { HOME: '/home/you', XDG_STATE_HOME: '/var/state' });
    expect(v.tmux).toEqual({ socketPath: '/tmp/my sock/ap.sock', transport: 'control' });
    expect(v.controller.stateDir).toBe('/var/state/agentpool/tmp_my_sock_ap.sock');
  });

  it('expands "~" and resolves relative directories against the config file', () => {
    const v = valueOf(yaml(...HEAD, 'tasks: {resumeIdDir: ~/ids}', 'controller: {stateDir: state/}'));
    expect(v.tasks.resumeIdDir).toBe('/home/you/ids');
    expect(v.controller.stateDir).toBe('/etc/agentpool/state');
  });

  it('keeps the schema defaults and DEFAULTS in step', () => {
    const props = (node: SchemaNode | undefined, key: string): SchemaNode => node?.properties?.[key] ?? {};
    const root = configSchema();
    const pool = props(root, 'pool');
    const tasks = props(root, 'tasks');
    expect(props(props(root, 'tmux'), 'transport').default).toBe(DEFAULTS.tmux.transport);
    expect(props(pool, 'startIndex').default).toBe(DEFAULTS.pool.startIndex);
    expect(props(pool, 'agent').default).toBe(DEFAULTS.pool.agent);
    expect(props(pool, 'prewarm').default).toBe(DEFAULTS.pool.prewarm);
    expect(props(props(pool, 'cooldown'), 'afterTask').default).toBe(DEFAULTS.pool.cooldown.afterTask);
    expect(props(props(pool, 'cooldown'), 'afterFailure').default).toBe(DEFAULTS.pool.cooldown.afterFailure);
    for (const [key, value] of Object.entries(DEFAULTS.tasks)) expect(props(tasks, key).default).toBe(value);
    expect(props(props(root, 'controller'), 'resync').default).toBe(DEFAULTS.controller.resync);
    expect(props(pool, 'prefix').default).toBe(DEFAULTS.pool.prefix);
    const worktree = props(props(root, 'projects').items, 'worktree');
    for (const [key, value] of Object.entries(DEFAULTS.worktree)) expect(props(worktree, key).default, `worktree.${key}`).toBe(value);
  });
});
