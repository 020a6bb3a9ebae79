/** What `agentpool init` writes: a config that parses, as short as the defaults allow. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freeSocket, initConfig, type InitFacts } from '../../src/cli/init.js';
import { parseConfig } from '../../src/config/parse.js';
import { formatConfigError } from '../../src/config/types.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentpool-init-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const facts = (o: Partial<InitFacts> = {}): InitFacts => ({ folder: '/src/web app', notGit: null, agent: 'claude', socket: 'agentpool', size: 2, ...o });
const settings = (text: string) => text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
function parsed(text: string) {
  const r = parseConfig(text, '/src/web app/desired-state.yaml', { HOME: '/home/you', repositories: { '/src/web app': null } });
  if ('errors' in r) throw new Error(r.errors.map(formatConfigError).join('\n'));
  return r.value;
}

describe('init', () => {
  it('writes a commented config of a few lines that parses to what it found: the folder, git, the agent, the socket', () => {
    const text = initConfig(facts());
    expect(settings(text)).toEqual(['pool:', '  size: 2', 'projects:', '  - path: "/src/web app"', '    isolation: worktree   # each task on its own branch, in its own worktree']);
    const v = parsed(text);
    expect(v.pool).toMatchObject({ size: 2, agent: 'claude', prefix: 'agent-' });
    expect(v.tmux).toEqual({ socket: 'agentpool', transport: 'control' });
    expect(v.projects.map((p) => [p.path, p.isolation])).toEqual([['/src/web app', 'worktree']]);
    expect(text).toMatch(/^# yaml-language-server: \$schema=\/.*\/schemas\/desired-state\.schema\.json\n/);
  });

  it('names the agent and the socket only when they are not the defaults, and no worktrees outside git', () => {
    const v = parsed(initConfig(facts({ agent: 'codex', socket: 'agentpool-2', notGit: '/src/web app is not a git repository', size: 1 })));
    expect(v.pool).toMatchObject({ size: 1, agent: 'codex' });
    expect(v.tmux).toEqual({ socket: 'agentpool-2', transport: 'control' });
    expect(v.projects[0]!.isolation).toBe('none');
  });

  it('picks the default socket unless a server or a pool already uses it', async () => {
    const env = { HOME: join(dir, 'home'), TMUX_TMPDIR: join(dir, 'tmux') };
    expect(freeSocket(env)).toBe('agentpool');
    await mkdir(join(dir, 'tmux', `tmux-${process.getuid!()}`), { recursive: true });
    await writeFile(join(dir, 'tmux', `tmux-${process.getuid!()}`, 'agentpool'), '');
    expect(freeSocket(env)).toBe('agentpool-2');
    await mkdir(join(dir, 'home', '.local', 'state', 'agentpool', 'agentpool-2'), { recursive: true });
    expect(freeSocket(env)).toBe('agentpool-3');
  });
});
