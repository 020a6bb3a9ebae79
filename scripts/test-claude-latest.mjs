#!/usr/bin/env node
// The forward-compatibility lane: the real-CLI tests (test/integration/claude.test.ts) against the newest
// @anthropic-ai/claude-code on the registry, installed into .cache/claude-code/<version>/, then a table of
// what passed. Not part of `npm test`: a new upstream release must not break CI. See the README ("When a
// new Claude Code comes out"). `CLAUDE_VERSION=2.1.400 npm run test:claude-latest` tries that version instead.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });

let version = process.env.CLAUDE_VERSION?.trim();
if (!version) {
  const r = spawnSync('npm', ['view', '@anthropic-ai/claude-code', 'version'], { cwd: root, encoding: 'utf8' });
  version = r.status === 0 ? r.stdout.trim() : '';
  if (!version) {
    console.error('test:claude-latest: could not ask the npm registry for the latest @anthropic-ai/claude-code');
    process.exit(2);
  }
}
const pinned = /^PINNED=(\S+)$/m.exec(readFileSync(join(root, 'scripts/setup-claude.sh'), 'utf8'))?.[1];
console.log(`test:claude-latest: Claude Code ${version} (the suite pins ${pinned})`);

if (run('bash', ['scripts/setup.sh']).status !== 0) process.exit(2);
if (run('bash', ['scripts/setup-claude.sh', version]).status !== 0) process.exit(2);
const failedInstall = join(root, '.cache', 'claude-code', version, '.install-failed');
try {
  console.error(`test:claude-latest: the install failed: ${readFileSync(failedInstall, 'utf8').trim()}`);
  process.exit(2);
} catch {
  // installed
}

const out = join(mkdtempSync(join(tmpdir(), 'agentpool-latest-')), 'report.json');
run('npx', ['--no-install', 'vitest', 'run', 'test/integration/claude.test.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`], {
  AGENTPOOL_CLAUDE_VERSION: version,
});

let report;
try {
  report = JSON.parse(readFileSync(out, 'utf8'));
} catch (err) {
  console.error(`test:claude-latest: vitest wrote no report (${err.message})`);
  process.exit(2);
} finally {
  rmSync(dirname(out), { recursive: true, force: true });
}
const rows = report.testResults.flatMap((f) => f.assertionResults.map((t) => [t.status === 'passed' ? 'pass' : t.status === 'failed' ? 'FAIL' : t.status, `${((t.duration ?? 0) / 1000).toFixed(1)}s`, t.title]));
const width = (i) => Math.max(...rows.map((r) => r[i].length), 6);
console.log(`\nClaude Code ${version} through the claude profile (pinned: ${pinned})\n`);
console.log(`${'RESULT'.padEnd(width(0))}  ${'TIME'.padEnd(width(1))}  TEST`);
for (const r of rows) console.log(`${r[0].padEnd(width(0))}  ${r[1].padEnd(width(1))}  ${r[2]}`);
const failed = rows.filter((r) => r[0] === 'FAIL').length;
const passed = rows.filter((r) => r[0] === 'pass').length;
console.log(`\n${passed} passed, ${failed} failed`);
if (failed || passed === 0) console.log(`\nSee the README, "When a new Claude Code comes out": capture its screens with\n  AGENTPOOL_CLAUDE_VERSION=${version} AGENTPOOL_CAPTURE_SCREENS=1 npx vitest run test/integration/claude.test.ts -t capture`);
process.exit(failed || passed === 0 ? 1 : 0);
