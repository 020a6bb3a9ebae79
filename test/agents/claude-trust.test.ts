import { mkdtemp, readFile, writeFile, mkdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { claudeConfigFile, isFolderTrusted, recordFolderTrust } from '../../src/agents/claude-trust.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentpool-trust-'));
});

describe('claudeConfigFile', () => {
  it('is $CLAUDE_CONFIG_DIR/.claude.json when set, else ~/.claude.json of the agent\'s HOME', () => {
    expect(claudeConfigFile({ HOME: '/home/ana' })).toBe('/home/ana/.claude.json');
    expect(claudeConfigFile({ HOME: '/home/ana', CLAUDE_CONFIG_DIR: '/etc/claude' })).toBe('/etc/claude/.claude.json');
  });
});

describe('recordFolderTrust', () => {
  it('adds the one key for the one project and keeps everything else byte for byte in meaning', async () => {
    const file = join(dir, '.claude.json');
    const project = join(dir, 'webapp');
    await mkdir(project);
    const before = {
      hasCompletedOnboarding: true,
      numStartups: 7,
      projects: { '/other': { hasTrustDialogAccepted: false, allowedTools: ['Bash'] }, [project]: { history: [{ display: 'hi' }] } },
    };
    await writeFile(file, JSON.stringify(before));
    expect(await isFolderTrusted(file, project)).toBe(false);
    expect(await recordFolderTrust(file, project)).toBe(true);
    const after = JSON.parse(await readFile(file, 'utf8'));
    expect(after).toEqual({ ...before, projects: { ...before.projects, [project]: { history: [{ display: 'hi' }], hasTrustDialogAccepted: true } } });
    expect(await isFolderTrusted(file, project)).toBe(true);
    // Already trusted: nothing is written.
    expect(await recordFolderTrust(file, project)).toBe(false);
  });

  it('keys the folder by its real path, as the CLI sees its working directory', async () => {
    const file = join(dir, '.claude.json');
    await mkdir(join(dir, 'real'));
    await symlink(join(dir, 'real'), join(dir, 'link'));
    await recordFolderTrust(file, join(dir, 'link'));
    expect(Object.keys(JSON.parse(await readFile(file, 'utf8')).projects)).toEqual([join(dir, 'real')]);
  });

  it('takes turns: concurrent launches in two projects both land', async () => {
    const file = join(dir, '.claude.json');
    await writeFile(file, '{"hasCompletedOnboarding":true}');
    await Promise.all(['a', 'b', 'c'].map((p) => recordFolderTrust(file, join(dir, p))));
    const projects = JSON.parse(await readFile(file, 'utf8')).projects;
    expect(Object.keys(projects).sort()).toEqual(['a', 'b', 'c'].map((p) => join(dir, p)));
  });

  it('refuses to replace a file it cannot read as JSON, saying what to fix', async () => {
    const file = join(dir, '.claude.json');
    await writeFile(file, '{"hasCompletedOnboarding": tru');
    await expect(recordFolderTrust(file, dir)).rejects.toThrow(/is not valid JSON .*fix it or remove projects\[\]\.trust/);
    expect(await readFile(file, 'utf8')).toBe('{"hasCompletedOnboarding": tru');
  });
});
