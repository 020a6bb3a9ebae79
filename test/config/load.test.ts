import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { defaultConfigPath, loadConfigFile } from '../../src/config/load.js';
import { worktreeFolders } from '../../src/config/normalize.js';
import { parseConfig } from '../../src/config/parse.js';
import { formatConfigError, type ConfigError } from '../../src/config/types.js';
import { parseDuration } from '../../src/config/duration.js';

const EXAMPLE = fileURLToPath(new URL('../../desired-state.example.yaml', import.meta.url));

describe('the example config', () => {
  it('validates and uses every section', async () => {
    const r = await loadConfigFile(EXAMPLE);
    expect('errors' in r ? r.errors.map(formatConfigError) : []).toEqual([]);
    if (!('value' in r)) return;
    expect(r.value.pool).toMatchObject({ prefix: 'ccl-auto-', startIndex: 1, size: 4, agent: 'claude' });
    expect(r.value.projects.map((p) => p.isolation)).toEqual(['none', 'worktree']);
    expect(r.value.dedicated).toEqual(['ccl-main']);
    expect(Object.keys(r.value.agents)).toEqual(['claude', 'codex', 'gemini', 'fake', 'generic', 'aider']);
  });

  it('points editors at the schema on its first line', () => {
    expect(readFileSync(EXAMPLE, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./schemas/desired-state.schema.json');
  });
});

describe('loadConfigFile', () => {
  it('turns a missing file into one error about the file, saying how to fix it, $AGENTPOOL_CONFIG included', async () => {
    const r = await loadConfigFile('/nonexistent/agentpool.yaml');
    expect(r).toEqual({
      errors: [{
        file: '/nonexistent/agentpool.yaml', line: 0, col: 0, path: '',
        message: 'cannot read the config file (ENOENT): there is no such file: create it, pass --config FILE, or set AGENTPOOL_CONFIG to its path',
      }],
    });
    // No position and no "(root)": the file as a whole.
    expect(formatConfigError((r as { errors: ConfigError[] }).errors[0]!)).toBe(
      '/nonexistent/agentpool.yaml: cannot read the config file (ENOENT): there is no such file: create it, pass --config FILE, or set AGENTPOOL_CONFIG to its path',
    );
  });
});

describe('loadConfigFile asks git about worktree projects, so the pipeline need not', () => {
  it('refuses isolation: worktree outside a git repository, and takes it once git init ran there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agentpool-load-'));
    try {
      const file = join(dir, 'desired-state.yaml');
      const plain = join(dir, 'plain');
      await mkdir(plain);
      // A project folder that does not exist yet is reported by the controller's passes, as without worktrees.
      await writeFile(file, ['tmux: {socket: t}', 'pool: {prefix: w-, size: 1}', 'projects:', `  - {path: ${plain}, isolation: worktree}`, `  - {path: ${dir}/gone, isolation: worktree}`, ''].join('\n'));
      const r = await loadConfigFile(file);
      expect('errors' in r && r.errors.map(formatConfigError)).toEqual([
        `${file}:4:${plain.length + 25}: projects[0].isolation: isolation: worktree needs a git repository, and ${plain} is not a git repository ` +
          '(git: fatal: not a git repository (or any of the parent directories): .git); run git init there (and make a first commit), or use isolation: none',
      ]);
      await execa('git', ['init', '--quiet'], { cwd: plain });
      const ok = await loadConfigFile(file);
      expect('value' in ok && ok.value.projects.map((p) => p.isolation)).toEqual(['worktree', 'worktree']);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('names the worktree projects of a document that may not be valid yet, resolved as projects are', () => {
    expect(worktreeFolders({ projects: [{ path: '/a/./b/', isolation: 'worktree' }, { path: '/c' }, { path: 3, isolation: 'worktree' }, null, { path: '/a/b', isolation: 'worktree' }] }))
      .toEqual(['/a/b']);
    expect([null, 'text', { projects: 'x' }].map(worktreeFolders)).toEqual([[], [], []]);
  });
});

describe('defaultConfigPath', () => {
  it('uses AGENTPOOL_CONFIG when set, resolved against cwd', () => {
    expect(defaultConfigPath({ AGENTPOOL_CONFIG: '/etc/ap.yaml' }, '/w')).toBe('/etc/ap.yaml');
    expect(defaultConfigPath({ AGENTPOOL_CONFIG: 'conf/ap.yaml' }, '/w')).toBe('/w/conf/ap.yaml');
  });

  it('falls back to desired-state.yaml in cwd', () => {
    expect(defaultConfigPath({}, '/w')).toBe('/w/desired-state.yaml');
  });
});

describe('formatConfigError and parseDuration', () => {
  it('formats FILE:LINE:COL: path: message', () => {
    const e: ConfigError = { file: '/c.yaml', line: 3, col: 9, path: 'pool.size', message: 'must be an integer' };
    expect(formatConfigError(e)).toBe('/c.yaml:3:9: pool.size: must be an integer');
    expect(formatConfigError({ ...e, path: '' })).toBe('/c.yaml:3:9: (root): must be an integer');
  });

  it('formats what parseConfig returns the same way', () => {
    const r = parseConfig('tmux: {socket: s}\npool: {prefix: p, size: -1}\n', 'rel.yaml', { HOME: '/h' });
    expect('errors' in r && r.errors.map(formatConfigError)).toEqual([
      `${process.cwd()}/rel.yaml:2:25: pool.size: must be an integer from 0 to 1000, got -1`,
    ]);
  });

  it('parses each unit', () => {
    expect(['250ms', '30s', '5m', '2h'].map(parseDuration)).toEqual([250, 30_000, 300_000, 7_200_000]);
    expect(() => parseDuration('5 m')).toThrow();
  });
});
