import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLAUDE_VERSIONS, parseClaudeVersion } from '../../src/agents/claude-versions.js';
import { diagnose, type Facts } from '../../src/doctor/checks.js';

const KEY = 'sk-ant-api03-0123456789abcdefghijklmnopqrst';
const ready: Facts = {
  config: { file: '/etc/agentpool/desired-state.yaml' },
  tmux: { version: 'tmux 3.3a' },
  uid: 1000,
  agent: {
    name: 'claude', command: 'claude', path: '/usr/local/bin/claude', claude: true, versionText: '2.1.330 (Claude Code)', version: '2.1.330',
    env: { HOME: '/home/ana', ANTHROPIC_API_KEY: KEY }, skipsPermissions: true,
    claudeConfig: { file: '/home/ana/.claude.json', json: { hasCompletedOnboarding: true, customApiKeyResponses: { approved: [KEY.slice(-20)], rejected: [] } } },
    claudeSettings: null, credentialsFile: false,
  },
  projects: [{ path: '/src/app', exists: true, trustOption: false, trusted: true, orphanedWorktrees: [] }],
};
const with_ = (agent: Partial<NonNullable<Facts['agent']>>, rest: Partial<Facts> = {}): Facts => ({ ...ready, ...rest, agent: { ...ready.agent!, ...agent } });
const failing = (f: Facts) => diagnose(f).filter((x) => x.status === 'fail').map((x) => x.check);
const warning = (f: Facts) => diagnose(f).filter((x) => x.status === 'warn').map((x) => x.check);

describe('diagnose', () => {
  it('finds nothing wrong on a ready machine', () => {
    expect(failing(ready)).toEqual([]);
    expect(warning(ready)).toEqual([]);
  });

  it('fails what would fail every task, each with what to do', () => {
    expect(failing({ ...ready, tmux: { version: null } })).toEqual(['tmux']);
    expect(failing({ ...ready, tmux: { version: 'tmux 2.9a' } })).toEqual(['tmux']);
    expect(failing(with_({ path: null }))).toEqual(['agent claude']);
    expect(failing({ ...with_({}), uid: 0 })).toEqual(['root']);
    expect(failing({ ...with_({ env: { ...ready.agent!.env, IS_SANDBOX: '1' } }), uid: 0 })).toEqual([]);
    expect(failing(with_({ claudeConfig: { file: '/home/ana/.claude.json', json: null } }))).toEqual(['onboarding', 'api key']);
    expect(failing(with_({ claudeConfig: { file: '/home/ana/.claude.json', json: { hasCompletedOnboarding: true } } }))).toEqual(['api key']);
    expect(failing({ ...ready, config: { file: 'x.yaml', error: 'x.yaml:3:1: pool: missing' } })).toEqual(['config']);
    for (const f of diagnose(with_({ path: null }))) if (f.status === 'fail') expect(f.fix).toBeTruthy();
  });

  it('warns about a Claude Code version whose screens were never captured', () => {
    const [finding] = diagnose(with_({ version: '2.1.400', versionText: '2.1.400 (Claude Code)' })).filter((f) => f.check === 'claude version');
    expect(finding).toMatchObject({ status: 'warn', message: expect.stringContaining(`tested: ${CLAUDE_VERSIONS.join(', ')}`), fix: expect.stringContaining('npm run test:claude-latest') });
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
    const f = diagnose(with_({ claude: false, name: 'aider', env: {} }));
    expect(f.map((x) => x.check)).toEqual(['config', 'tmux', 'agent aider', 'project /src/app']);
  });
});

describe('the tested Claude Code versions', () => {
  it('are exactly the versions with captured screens', () => {
    const folders = readdirSync(join(import.meta.dirname, '..', 'fixtures', 'screens')).filter((d) => d.startsWith('claude-')).map((d) => d.slice(7));
    expect([...CLAUDE_VERSIONS].sort()).toEqual(folders.sort());
  });

  it('reads the version from --version', () => {
    expect(parseClaudeVersion('2.1.330 (Claude Code)\n')).toBe('2.1.330');
    expect(parseClaudeVersion('nothing')).toBeNull();
  });
});
