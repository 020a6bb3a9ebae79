import { describe, it, expect } from 'vitest';
import { ENV, errorsOf, FILE, HEAD, valueOf, yaml } from './helpers.js';

describe('semantic rules', () => {
  it('rejects the same project twice, after resolving the path', () => {
    expect(errorsOf(yaml(...HEAD, 'projects:', '  - path: /src/app', '  - path: /src/./app/'))).toEqual([
      `${FILE}:8:11: projects[1].path: "/src/app" is already listed as projects[0]; list each project once`,
    ]);
  });

  it('refuses isolation: worktree outside a git repository, and worktree settings without it', () => {
    // What git said comes from the loader (test/config/load.test.ts asks the real one); the rules fork nothing.
    const said = '/src/plain is not a git repository (git: fatal: not a git repository (or any of the parent directories): .git)';
    const env = { ...ENV, repositories: { '/src/plain': said, '/src/repo': null } };
    expect(errorsOf(yaml(...HEAD, 'projects:', '  - path: /src/plain', '    isolation: worktree', '  - path: /src/repo', '    isolation: worktree'), env)).toEqual([
      `${FILE}:8:16: projects[0].isolation: isolation: worktree needs a git repository, and ${said}; run git init there (and make a first commit), or use isolation: none`,
    ]);
    expect(errorsOf(yaml(...HEAD, 'projects:', '  - path: /src/repo', '    worktree: {keep: always}'), env)).toEqual([
      `${FILE}:8:5: projects[0].worktree: worktree settings only apply with isolation: worktree; add that, or remove them`,
    ]);
    expect(valueOf(yaml(...HEAD, 'projects:', '  - path: /src/repo', '    isolation: worktree'), env).projects[0]!.isolation).toBe('worktree');
  });

  it('rejects two projects of one name, which would share their logs and worktree folders', () => {
    expect(errorsOf(yaml(...HEAD, 'projects:', '  - path: /a/app', '  - path: /b/app'))).toEqual([
      `${FILE}:8:5: projects[1]: the name "app" is also projects[0]'s (a project's name defaults to its folder's name); give one of them its own name: key`,
    ]);
    expect(valueOf(yaml(...HEAD, 'projects:', '  - path: /a/app', '  - {path: /b/app, name: app-b}')).projects.map((p) => p.name)).toEqual(['app', 'app-b']);
  });

  it('rejects two projects sharing one inbox', () => {
    const text = yaml(...HEAD, 'projects:', '  - path: /src/a', '  - path: /src/b', '    inbox: /src/a/.agent-queue/inbox');
    expect(errorsOf(text)).toEqual([
      `${FILE}:9:12: projects[1].inbox: inbox "/src/a/.agent-queue/inbox" is also the inbox of projects[0]; give each project its own inbox`,
    ]);
  });

  it('rejects a dedicated session inside the pool range and says which slot', () => {
    expect(errorsOf(yaml(...HEAD, 'dedicated:', '  - main', '  - w-2'))).toEqual([
      `${FILE}:8:5: dedicated[1]: "w-2" is pool slot 2 (the pool is w-1 .. w-2), so agentpool would manage it ` +
        'as its own; rename the session, or change pool.prefix or pool.startIndex so the pool does not include it',
    ]);
  });

  it('rejects a dedicated session named like a pool slot outside the current range', () => {
    expect(errorsOf(yaml(...HEAD, 'dedicated: [main, w-7]'))).toEqual([
      `${FILE}:6:19: dedicated[1]: "w-7" looks like a pool session name (pool.prefix "w-" followed by a number; ` +
        'the pool is w-1 .. w-2) and would collide with the pool when it grows or moves; rename the session so ' +
        'it does not start with "w-" followed by digits',
    ]);
  });

  it('allows dedicated names that merely share the prefix', () => {
    expect(valueOf(yaml(...HEAD, 'dedicated: [w-main, w-2b, main]')).dedicated).toEqual(['w-main', 'w-2b', 'main']);
  });

  it('rejects a dedicated name listed twice', () => {
    expect(errorsOf(yaml(...HEAD, 'dedicated: [main, other, main]'))).toEqual([
      `${FILE}:6:26: dedicated[2]: "main" is already listed as dedicated[0]; remove one`,
    ]);
  });

  it('rejects an unknown pool.agent and lists the agents', () => {
    expect(errorsOf(yaml(...HEAD, '  agent: claud'))).toEqual([
      `${FILE}:6:10: pool.agent: unknown agent "claud"; did you mean "claude"? The agents defined are claude, codex, fake, gemini, generic`,
    ]);
    expect(errorsOf(yaml(...HEAD, '  agent: qwen', 'agents:', '  mine: {command: [x]}'))).toEqual([
      `${FILE}:6:10: pool.agent: unknown agent "qwen"; the agents defined are claude, codex, fake, gemini, generic, mine`,
    ]);
  });

  it('rejects an unknown projects[].agent, and a project agent that cannot be given a task', () => {
    expect(errorsOf(yaml(...HEAD, 'projects:', '  - path: /src/app', '    agent: fak'))).toEqual([
      `${FILE}:8:12: projects[0].agent: unknown agent "fak"; did you mean "fake"? The agents defined are claude, codex, fake, gemini, generic`,
    ]);
    expect(errorsOf(yaml(...HEAD, 'projects:', '  - path: /src/app', '    agent: mine', 'agents:', '  mine: {extends: generic, command: [x]}'))).toEqual([
      `${FILE}:10:3: agents.mine: agent "mine" cannot be given a task: pass it in the command with {prompt} or {promptFile}, ` +
        'or give screen.ready and screen.busy patterns (or a hooks driver: claude-hooks, codex-hooks, gemini-hooks) so a pasted task can be verified',
    ]);
    const d = valueOf(yaml(...HEAD, 'projects:', '  - path: /src/app', '    agent: fake', '  - path: /src/other'));
    expect(d.projects.map((p) => p.agent)).toEqual(['fake', null]);
  });

  it('rejects an extends of an unknown profile', () => {
    expect(errorsOf(yaml(...HEAD, 'agents:', '  mine:', '    extends: clade'))).toEqual([
      `${FILE}:8:14: agents.mine.extends: unknown profile "clade"; did you mean "claude"? ` +
        'Extend a shipped profile (claude, codex, gemini, fake, generic) or one defined above',
    ]);
  });

  it('rejects an extends of a profile defined further down', () => {
    const text = yaml(...HEAD, 'agents:', '  a:', '    extends: b', '  b:', '    command: [x]');
    expect(errorsOf(text)).toEqual([
      `${FILE}:8:14: agents.a.extends: profile "b" is defined below "a"; move its definition above this one`,
    ]);
  });

  it('rejects a screen pattern that is not a valid regular expression, quoting the JS error', () => {
    const text = yaml(...HEAD, 'agents:', '  claude:', '    screen:', '      busy: [ok, "(unclosed"]');
    expect(errorsOf(text)).toEqual([
      `${FILE}:9:18: agents.claude.screen.busy[1]: not a valid regular expression: ` +
        'Invalid regular expression: /(unclosed/m: Unterminated group',
    ]);
  });

  it('needs HOME for "~" and for the default stateDir', () => {
    expect(errorsOf(yaml(...HEAD, 'controller:', '  stateDir: ~/state'), {})).toEqual([
      `${FILE}:7:13: controller.stateDir: uses "~" but HOME is not set; write an absolute path`,
    ]);
    expect(errorsOf(yaml(...HEAD), {})).toEqual([
      `${FILE}:1:1: (root): neither XDG_STATE_HOME nor HOME is set, so there is no default controller.stateDir; set controller.stateDir`,
    ]);
  });

  it('reads maxConcurrent per project, the pool-wide default, and null as no limit', () => {
    const v = valueOf(yaml(...HEAD, '  maxConcurrentPerProject: 2', 'projects:', '  - path: /src/a', '  - path: /src/b', '    maxConcurrent: 1', '  - path: /src/c', '    maxConcurrent: null'));
    expect(v.projects.map((p) => p.maxConcurrent)).toEqual([2, 1, null]);
    expect(valueOf(yaml(...HEAD, 'projects:', '  - path: /src/a')).projects[0]!.maxConcurrent).toBeNull();
    expect(errorsOf(yaml(...HEAD, 'projects:', '  - path: /src/a', '    maxConcurrent: 0'))[0]).toMatch(/projects\[0\]\.maxConcurrent/);
  });

  it('takes tasks.timeZone by its IANA name and refuses one the machine does not know', () => {
    expect(valueOf(yaml(...HEAD, 'tasks:', '  timeZone: Europe/Berlin')).tasks.timeZone).toBe('Europe/Berlin');
    expect(errorsOf(yaml(...HEAD, 'tasks:', '  timeZone: Mars/Olympus'))).toEqual([
      `${FILE}:7:13: tasks.timeZone: "Mars/Olympus" is not a time zone this machine knows; use an IANA name such as Europe/Berlin, America/New_York or UTC`,
    ]);
  });

  it('reads fleet: its Redis by URL or by Sentinels (one of them), this host and its role', () => {
    const v = valueOf(yaml(...HEAD, 'fleet:', '  redis: redis://10.0.0.5:6380', '  host: build-1'));
    expect(v.fleet).toEqual({ redis: { host: '10.0.0.5', port: 6380 }, host: 'build-1', role: 'both', lockMs: 600_000, agents: null });
    expect(valueOf(yaml(...HEAD, 'fleet:', '  sentinels: [10.0.0.1:26379, 10.0.0.2:26379]', '  role: host')).fleet).toMatchObject({
      redis: { sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26379 }], name: 'agentpool' }, role: 'host',
    });
    expect(valueOf(yaml(...HEAD)).fleet).toBeNull();
    expect(errorsOf(yaml(...HEAD, 'fleet:', '  role: host'))[0]).toMatch(/fleet: fleet needs its Redis: redis: redis:\/\/HOST:PORT, or sentinels:/);
    expect(errorsOf(yaml(...HEAD, 'fleet:', '  redis: redis://a:1', '  sentinels: [b:2]'))[0]).toMatch(/fleet names its Redis by redis: or by sentinels:, not both/);
    expect(errorsOf(yaml(...HEAD, 'fleet:', '  redis: http://a:1'))[0]).toMatch(/fleet\.redis/);
  });
});
