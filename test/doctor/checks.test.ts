import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLAUDE_VERSIONS, parseCliVersion, TESTED_CLIS } from '../../src/agents/cli-versions.js';
import { diagnose, type AgentFacts, type Facts } from '../../src/doctor/checks.js';

const KEY = 'sk-ant-api03-0123456789abcdefghijklmnopqrst';
const ready: Facts = {
  config: { file: '/etc/agentpool/desired-state.yaml' },
  tmux: { version: 'tmux 3.3a' },
  uid: 1000,
  agents: [{
    name: 'claude', driver: 'claude-hooks', command: 'claude', path: '/usr/local/bin/claude', claude: true, versionAsked: true, versionText: '2.1.330 (Claude Code)', version: '2.1.330',
    env: { HOME: '/home/ana', ANTHROPIC_API_KEY: KEY }, skipsPermissions: true,
    claudeConfig: { file: '/home/ana/.claude.json', json: { hasCompletedOnboarding: true, customApiKeyResponses: { approved: [KEY.slice(-20)], rejected: [] } } },
    claudeSettings: null, credentialsFile: false,
  }],
  projects: [{ path: '/src/app', exists: true, trustOption: false, trusted: true, orphanedWorktrees: [] }],
};
const with_ = (agent: Partial<AgentFacts>, rest: Partial<Facts> = {}): Facts => ({ ...ready, ...rest, agents: [{ ...ready.agents[0]!, ...agent }] });
const failing = (f: Facts) => diagnose(f).filter((x) => x.status === 'fail').map((x) => x.check);
const warning = (f: Facts) => diagnose(f).filter((x) => x.status === 'warn').map((x) => x.check);

describe('diagnose', () => {
  it('says whether the sandbox works here, and fails sandbox: on where it cannot start', () => {
    const problem = 'bwrap is not installed (Debian: apt-get install bubblewrap); the sandbox needs it';
    const find = (sandbox: Facts['sandbox']) => diagnose({ ...ready, sandbox }).find((x) => x.check === 'sandbox')!;
    expect(find({ modes: ['auto'], problem: null })).toMatchObject({ status: 'ok', message: 'bubblewrap starts a sandbox here: agents under sandbox: auto run in it' });
    expect(find({ modes: ['off'], problem: null })).toMatchObject({ status: 'ok', fix: expect.stringContaining('pool.sandbox: auto') });
    expect(find({ modes: ['off', 'on'], problem })).toMatchObject({ status: 'fail', message: `sandbox: on, and ${problem}: its tasks wait and never run`, fix: expect.stringContaining('apt-get install bubblewrap socat') });
    expect(find({ modes: ['auto'], problem })).toMatchObject({ status: 'warn', message: `sandbox: auto, and ${problem}: agents run without one` });
    expect(find({ modes: ['off'], problem }).status).toBe('ok');
  });

  it('finds nothing wrong on a ready machine', () => {
    expect(failing(ready)).toEqual([]);
    expect(warning(ready)).toEqual([]);
  });

  it('fails what would fail every task, each with what to do', () => {
    expect(failing({ ...ready, tmux: { version: null } })).toEqual(['tmux']);
    expect(failing({ ...ready, tmux: { version: 'tmux 2.9a' } })).toEqual(['tmux']);
    expect(failing(with_({ path: null }))).toEqual(['agent claude']);
    expect(failing({ ...with_({}), uid: 0 })).toEqual(['root']);
    expect(failing({ ...with_({ env: { ...ready.agents[0]!.env, IS_SANDBOX: '1' } }), uid: 0 })).toEqual([]);
    expect(failing(with_({ claudeConfig: { file: '/home/ana/.claude.json', json: null } }))).toEqual(['onboarding', 'api key']);
    expect(failing(with_({ claudeConfig: { file: '/home/ana/.claude.json', json: { hasCompletedOnboarding: true } } }))).toEqual(['api key']);
    expect(failing({ ...ready, config: { file: 'x.yaml', error: 'x.yaml:3:1: pool: missing' } })).toEqual(['config']);
    for (const f of diagnose(with_({ path: null }))) if (f.status === 'fail') expect(f.fix).toBeTruthy();
  });

  it('says how the pool\'s tmux server answers, and names the stray channel that holds one that refuses', () => {
    const server = (answer: NonNullable<Facts['server']>['answer'], strays: number[] = []) => diagnose({ ...ready, server: { label: 'tmux -L agentpool', answer, message: 'x', strays } }).find((f) => f.check === 'tmux server')!;
    expect(server('none')).toMatchObject({ status: 'ok', message: 'no server runs on tmux -L agentpool yet: the controller starts one' });
    expect(server('ok')).toMatchObject({ status: 'ok' });
    expect(server('ok', [42])).toMatchObject({ status: 'warn', message: expect.stringContaining('command channel of a controller that is gone (pid 42)'), fix: expect.stringContaining('kill 42') });
    expect(server('refused', [42, 43])).toMatchObject({ status: 'fail', message: expect.stringMatching(/closes them at once .*command channels of a controller that is gone \(pid 42, 43\) hold it/), fix: expect.stringMatching(/^kill 42 43/) });
    expect(server('refused')).toMatchObject({ status: 'fail', fix: expect.stringContaining('end the server') });
    expect(server('timeout')).toMatchObject({ status: 'fail', fix: expect.stringContaining('kill -CONT') });
  });

  it('warns about a Claude Code version whose screens were never captured', () => {
    const [finding] = diagnose(with_({ version: '2.1.400', versionText: '2.1.400 (Claude Code)' })).filter((f) => f.check === 'claude version');
    expect(finding).toMatchObject({ status: 'warn', message: expect.stringContaining(`tested: ${CLAUDE_VERSIONS.join(', ')}`), fix: expect.stringContaining('npm run test:agents-latest') });
  });

  it('warns about a missing project and orphaned task worktrees, and says how each project\'s trust will go', () => {
    const projects = [
      { path: '/gone', exists: false, trustOption: false, trusted: false, orphanedWorktrees: [] },
      { path: '/opt', exists: true, trustOption: true, trusted: false, orphanedWorktrees: [] },
      { path: '/new', exists: true, trustOption: false, trusted: false, orphanedWorktrees: ['/s/worktrees/new/a', '/s/worktrees/new/b'] },
    ];
    const f = diagnose({ ...ready, projects }).filter((x) => x.check.startsWith('project'));
    expect(f.map((x) => `${x.status} ${x.message}`)).toEqual([
      'warn the folder does not exist: its tasks cannot run',
      'ok trust: true — recorded before the first launch',
      'ok not trusted yet — the folder-trust question is answered on screen',
      'warn 2 task worktrees that no task refers to: /s/worktrees/new/a, /s/worktrees/new/b',
    ]);
    expect(f.at(-1)!.fix).toMatch(/agentpool worktrees --prune/);
  });

  it('asks for no Claude settings of an agent that is not Claude Code', () => {
    const f = diagnose(with_({ claude: false, name: 'aider', driver: 'screen', env: {} }));
    expect(f.map((x) => x.check)).toEqual(['config', 'tmux', 'agent aider', 'project /src/app']);
  });

  it('looks at every agent in use, each with its own tested versions', () => {
    const codex: AgentFacts = { name: 'codex', driver: 'codex-hooks', command: 'codex', path: '/usr/bin/codex', claude: false, versionAsked: true, versionText: 'codex-cli 0.171.0', version: '0.171.0', env: {}, skipsPermissions: false };
    const gemini: AgentFacts = { ...codex, name: 'gemini', driver: 'gemini-hooks', command: 'gemini', path: null, versionText: null, version: null };
    const f = diagnose({ ...ready, agents: [ready.agents[0]!, codex, { ...gemini, path: '/usr/bin/gemini', versionText: '0.62.0', version: '0.62.0' }] });
    expect(f.filter((x) => /version|agent/.test(x.check)).map((x) => `${x.status} ${x.check}`)).toEqual([
      'ok agent claude', 'ok claude version', 'ok agent codex', 'ok codex version', 'ok agent gemini', 'warn gemini version',
    ]);
    expect(f.find((x) => x.check === 'gemini version')!.message).toMatch(/^Gemini CLI 0\.62\.0 has no captured screens in this agentpool \(tested: 0\.61\.0\)/);
    expect(failing({ ...ready, agents: [...ready.agents, gemini] })).toEqual(['agent gemini']);
  });

  it('says nothing of the version of a program it did not ask (the fake agent runs on node, a claude-hooks profile)', () => {
    const fake = diagnose(with_({ name: 'fake', command: '/usr/bin/node', path: '/usr/bin/node', claude: false, versionAsked: false, versionText: null, version: null }));
    expect(fake.filter((x) => x.status !== 'ok')).toEqual([]);
    expect(fake.map((x) => x.check)).not.toContain('claude version');
  });

  it('fails a state directory below a folder others may write when a Gemini agent reads its hooks from there', () => {
    expect(failing({ ...ready, stateDirOpenAt: '/tmp' })).toEqual(['state dir']);
    expect(diagnose({ ...ready, stateDirOpenAt: '/tmp' }).find((x) => x.check === 'state dir')!.fix).toMatch(/controller\.stateDir/);
  });
});

describe('the tested versions of each CLI', () => {
  it('are exactly the versions with captured screens', () => {
    const folders = readdirSync(join(import.meta.dirname, '..', 'fixtures', 'screens')).filter((d) => /^[a-z]+-\d/.test(d)).sort();
    const tested = Object.values(TESTED_CLIS).flatMap((t) => t!.versions.map((v) => `${t!.cli}-${v}`)).sort();
    expect(tested).toEqual(folders);
  });

  it('reads the version from --version', () => {
    expect(parseCliVersion('2.1.330 (Claude Code)\n')).toBe('2.1.330');
    expect(parseCliVersion('nothing')).toBeNull();
  });
});
