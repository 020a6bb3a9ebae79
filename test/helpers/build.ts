/**
 * Builds dist/ (tsc, then scripts/bundle.mjs), which the integration tests run (bin/agentpool.js, the fake agent, the hook), once per test
 * run: the suite's global setup calls it and tells the test workers through BUILT_ENV. A build is skipped
 * when dist/ is newer than every source (an incremental no-op tsc still cost 4 s and 6 s of CPU, once per
 * test file before). Concurrent runs of one checkout take turns through a lock file instead of writing dist/ at once. A build
 * with type errors fails the run: the bins would run stale or half-edited code.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { open, readFile, unlink, utimes } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { isAlive } from '../../src/util/pid.js';
import { waitFor } from './tmux-server.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Set for the test workers once dist/ is current. */
export const BUILT_ENV = 'AGENTPOOL_TEST_DIST_BUILT';

export async function buildDist(): Promise<void> {
  await withBuildLock(async () => {
    if (isCurrent()) return;
    const r = await execa('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], { cwd: REPO_ROOT, reject: false, all: true });
    if (r.exitCode !== 0) throw new Error(`npx tsc -p tsconfig.json failed (${r.exitCode}):\n${r.all}`);
    const bundled = await execa('node', ['scripts/bundle.mjs'], { cwd: REPO_ROOT, reject: false, all: true });
    if (bundled.exitCode !== 0) throw new Error(`node scripts/bundle.mjs failed (${bundled.exitCode}):\n${bundled.all}`);
    if (!existsSync(join(REPO_ROOT, 'dist/bundle/main.js'))) throw new Error('the build did not produce dist/bundle/main.js');
    // tsc leaves its record as it was when nothing changed (a source only touched): mark dist/ current now.
    const now = new Date();
    await utimes(join(REPO_ROOT, 'dist', '.tsbuildinfo'), now, now);
  });
}

/** dist/'s build record is newer than every file of src/ and schemas/, and the build's config. */
function isCurrent(): boolean {
  const info = join(REPO_ROOT, 'dist', '.tsbuildinfo');
  if (!existsSync(info)) return false;
  const built = statSync(info).mtimeMs;
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  const sources = [newest(join(REPO_ROOT, 'src')), newest(join(REPO_ROOT, 'schemas')), statSync(join(REPO_ROOT, 'tsconfig.json')).mtimeMs, statSync(join(REPO_ROOT, 'scripts', 'bundle.mjs')).mtimeMs];
  return Math.max(...sources) < built;
}

async function withBuildLock(fn: () => Promise<void>): Promise<void> {
  // Beside the checkout, not in a temp dir: each run has a temp dir of its own (global-setup.ts).
  const lock = join(REPO_ROOT, 'node_modules', '.agentpool-build.lock');
  await waitFor(
    async () => {
      try {
        const fh = await open(lock, 'wx');
        await fh.writeFile(String(process.pid));
        await fh.close();
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // A lock left by a test process that died is taken over.
        const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
        if (pid > 0 && !isAlive(pid)) await unlink(lock).catch(() => {});
        return false;
      }
    },
    { timeoutMs: 120_000, intervalMs: 100, what: `the build lock ${lock}` },
  );
  try {
    await fn();
  } finally {
    await unlink(lock).catch(() => {});
  }
}
