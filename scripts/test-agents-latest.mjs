#!/usr/bin/env node
// The forward-compatibility lane: each agent CLI's real-CLI tests (test/integration/<cli>.test.ts) against the
// newest version on the npm registry, installed into .cache/, then a table of what passed. Not part of
// `npm test`: a new upstream release must not break CI. See the README ("When a new agent CLI comes out").
//
//   npm run test:agents-latest                  Claude Code, Codex CLI and Gemini CLI, each at its newest
//   npm run test:agents-latest -- codex         one of them
//   CODEX_VERSION=0.172.0 npm run test:agents-latest -- codex    a version of your choice (CLAUDE_VERSION, GEMINI_VERSION)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });

/** Per CLI: its package, how it is set up, where a failed install says why, and the variable its tests read. */
const CLIS = {
  claude: { name: 'Claude Code', pkg: '@anthropic-ai/claude-code', setup: (v) => ['scripts/setup-claude.sh', v], pinFile: 'scripts/setup-claude.sh', cache: 'claude-code', env: 'AGENTPOOL_CLAUDE_VERSION' },
  codex: { name: 'Codex CLI', pkg: '@openai/codex', setup: (v) => ['scripts/setup-cli.sh', 'codex', v], cache: 'codex', env: 'AGENTPOOL_CODEX_VERSION' },
  gemini: { name: 'Gemini CLI', pkg: '@google/gemini-cli', setup: (v) => ['scripts/setup-cli.sh', 'gemini', v], cache: 'gemini', env: 'AGENTPOOL_GEMINI_VERSION' },
};

const wanted = process.argv.slice(2);
for (const w of wanted) {
  if (!CLIS[w]) {
    console.error(`test:agents-latest: no CLI "${w}" (give ${Object.keys(CLIS).join(', ')})`);
    process.exit(2);
  }
}
if (run('bash', ['scripts/setup.sh']).status !== 0) process.exit(2);

let failures = 0;
for (const cli of wanted.length ? wanted : Object.keys(CLIS)) failures += lane(cli, CLIS[cli]);
process.exit(failures ? 1 : 0);

/** Installs the newest (or the asked-for) version of one CLI, runs its tests against it, prints a table. */
function lane(cli, c) {
  let version = process.env[`${cli.toUpperCase()}_VERSION`]?.trim();
  if (!version) {
    const r = spawnSync('npm', ['view', c.pkg, 'version'], { cwd: root, encoding: 'utf8' });
    version = r.status === 0 ? r.stdout.trim() : '';
    if (!version) {
      console.error(`test:agents-latest: could not ask the npm registry for the latest ${c.pkg}`);
      return 1;
    }
  }
  console.log(`\ntest:agents-latest: ${c.name} ${version}`);
  if (run('bash', c.setup(version)).status !== 0) return 1;
  const failedInstall = join(root, '.cache', c.cache, version, '.install-failed');
  if (existsSync(failedInstall)) {
    console.error(`test:agents-latest: the install of ${c.name} ${version} failed: ${readFileSync(failedInstall, 'utf8').trim()}`);
    return 1;
  }
  const out = join(mkdtempSync(join(tmpdir(), 'agentpool-latest-')), 'report.json');
  run('npx', ['--no-install', 'vitest', 'run', `test/integration/${cli}.test.ts`, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`], { [c.env]: version });
  let report;
  try {
    report = JSON.parse(readFileSync(out, 'utf8'));
  } catch (err) {
    console.error(`test:agents-latest: vitest wrote no report (${err.message})`);
    return 1;
  } finally {
    rmSync(dirname(out), { recursive: true, force: true });
  }
  const rows = report.testResults.flatMap((f) => f.assertionResults.map((t) => [t.status === 'passed' ? 'pass' : t.status === 'failed' ? 'FAIL' : t.status, `${((t.duration ?? 0) / 1000).toFixed(1)}s`, t.title]));
  const width = (i) => Math.max(...rows.map((r) => r[i].length), 6);
  console.log(`\n${c.name} ${version} through the ${cli} profile\n`);
  console.log(`${'RESULT'.padEnd(width(0))}  ${'TIME'.padEnd(width(1))}  TEST`);
  for (const r of rows) console.log(`${r[0].padEnd(width(0))}  ${r[1].padEnd(width(1))}  ${r[2]}`);
  const failed = rows.filter((r) => r[0] === 'FAIL').length;
  const passed = rows.filter((r) => r[0] === 'pass').length;
  console.log(`\n${passed} passed, ${failed} failed`);
  if (failed || passed === 0) {
    console.log(`\nSee the README, "When a new agent CLI comes out": capture its screens with\n  ${c.env}=${version} AGENTPOOL_CAPTURE_SCREENS=1 npx vitest run test/integration/${cli}.test.ts -t capture`);
  }
  return failed || passed === 0 ? 1 : 0;
}
