/// <reference lib="dom" />
/**
 * The dashboard in a real browser (issue 28): Debian's Chromium driven by playwright-core against a running
 * pool of fake agents. The pool page shows every session; a task dropped into the inbox appears, its
 * session's tile turns working, then the task is done, all without a reload; a task whose name is HTML with
 * a script in it shows as text and runs nothing (the test checks for the side effects it would have). The
 * page's screenshot is saved to test/artifacts/.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { chromium, type Browser } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/util/which.js';
import { ensureBuilt, quickPoolEnv, REPO_ROOT, type PoolEnv } from '../helpers/pool-env.js';
import { freePort } from '../helpers/ports.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

let env: PoolEnv | undefined;
let web: ResultPromise | undefined;
let browser: Browser | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  web?.kill('SIGTERM');
  await web?.catch(() => {});
  web = undefined;
  await env?.cleanup();
  env = undefined;
});

describe('the dashboard in a browser', () => {
  it('shows every session, and a task as it runs and ends without a reload; HTML in a task name is text and runs nothing', async () => {
    const exe = await findExecutable('chromium', process.env.PATH ?? '');
    if (!exe) throw new Error('chromium is not installed: npm test installs it as root (apt-get install chromium); install it to run this test');
    env = await quickPoolEnv(2, 1_500);
    const c = env.startController();
    await waitFor(() => c.lines.filter((l) => l.to === 'idle').length >= 2, { timeoutMs: 20_000, what: 'two sessions' });
    const port = await freePort();
    web = execa('node', [join(REPO_ROOT, 'bin/agentpool.js'), 'web', '--config', env.configFile, '--listen', `127.0.0.1:${port}`], { reject: false });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => fetch(`${base}/api/pool`).then((r) => r.ok, () => false), { timeoutMs: 15_000, what: 'the dashboard serving' });

    // As root (a container), Chromium's own sandbox needs namespaces it may not get: it runs without it here.
    browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const requested: string[] = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${base}/`);
    await page.waitForFunction(() => document.querySelectorAll('[data-session]').length === 2);
    expect(await page.locator('[data-session]').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('data-session')))).toEqual(['ccl-auto-1', 'ccl-auto-2']);

    const name = `<img src=x onerror="document.title='pwned';alert(1)">.md`;
    await dropTask(env.project, name, '<script>document.title = "pwned too"</script>\n');
    // Its session's tile turns working with the task's name as text, then the task is done: no reload.
    await page.waitForFunction((n) => Array.from(document.querySelectorAll('[data-state="working"] .task')).some((e) => e.textContent === n), name, { timeout: 15_000 });
    await page.screenshot({ path: join(await artifacts(), 'web-pool.png'), fullPage: true });
    await page.waitForFunction((n) => Array.from(document.querySelectorAll('#tasks tr[data-state="done"]')).some((r) => r.getAttribute('data-task') === n), name, { timeout: 15_000 });
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
    // It ran nothing: no image was asked for, no dialog opened, the title is the page's own.
    expect(await page.title()).toBe('agentpool');
    expect(dialogs).toEqual([]);
    expect(requested.filter((p) => p === '/x')).toEqual([]);
    expect(await page.locator('img').count()).toBe(0);

    // The timeline: the task's attempt a bar on its session's row, done, its name as text.
    await page.goto(`${base}/timeline`);
    await page.waitForSelector('.bar[data-outcome="done"]');
    expect(await page.locator('.bar[data-outcome="done"]').evaluateAll((bars) => bars.map((b) => [b.closest('.lane')?.getAttribute('data-session'), b.textContent]))).toEqual([[expect.stringMatching(/^ccl-auto-[12]$/), name]]);
    await page.screenshot({ path: join(await artifacts(), 'web-timeline.png'), fullPage: true });
    expect(await page.title()).toBe('agentpool timeline');
    expect(dialogs).toEqual([]);
    expect(requested.filter((p) => p === '/x')).toEqual([]);
  }, 90_000);

  it('shows a task\'s page: its text, its attempts, and its branch\'s diff, where HTML in a changed line is text', async () => {
    const exe = await findExecutable('chromium', process.env.PATH ?? '');
    if (!exe) throw new Error('chromium is not installed: npm test installs it as root (apt-get install chromium); install it to run this test');
    env = await quickPoolEnv(1, 100, { agents: { quick: { env: { FAKE_AGENT_EDIT: '1', FAKE_AGENT_COMMIT: '1' } } } });
    const git = (...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: env!.project });
    await writeFile(join(env.project, '.gitignore'), '.agent-queue/\n');
    await writeFile(join(env.project, 'app.txt'), 'base\n');
    await git('init', '--quiet', '--initial-branch=main');
    await git('add', '.');
    await git('commit', '--quiet', '-m', 'base');
    await env.writeConfig({ projects: [{ path: env.project, isolation: 'worktree' }] });
    const c = env.startController();
    const line = '<img src=x onerror="document.title=\'pwned\'"> in the change';
    await dropTask(env.project, 'change.md', `${line}\nfile: app.txt\n`);
    await waitFor(async () => (await readdir(join(env!.project, '.agent-queue', 'done')).catch(() => [] as string[])).includes('change.md'), { timeoutMs: 20_000, what: 'change.md done' });
    expect(c.lines.filter((l) => l.msg === 'task done')).toHaveLength(1);
    const port = await freePort();
    web = execa('node', [join(REPO_ROOT, 'bin/agentpool.js'), 'web', '--config', env.configFile, '--listen', `127.0.0.1:${port}`], { reject: false });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => fetch(`${base}/api/pool`).then((r) => r.ok, () => false), { timeoutMs: 15_000, what: 'the dashboard serving' });

    browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requested: string[] = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    // From the pool page, by the task's link.
    await page.goto(`${base}/`);
    await page.locator('#tasks a', { hasText: 'change.md' }).click();
    await page.waitForSelector('.d2h-file-wrapper');
    expect(await page.locator('#name').textContent()).toBe('change.md');
    expect(await page.locator('#text').textContent()).toContain(line);
    expect(await page.locator('#attempts tbody tr').count()).toBe(1);
    // The diff: app.txt with the agent's added line, as text.
    expect(await page.locator('.d2h-file-name').first().textContent()).toContain('app.txt');
    expect(await page.locator('.d2h-ins .d2h-code-line-ctn').allTextContents()).toEqual([line]);
    await page.screenshot({ path: join(await artifacts(), 'web-task.png'), fullPage: true });
    expect(await page.title()).toBe('agentpool: change.md');
    expect(requested.filter((p) => p === '/x')).toEqual([]);
  }, 90_000);

  it('cancels a queued task from the page once logged in with the token, through the controller; without the login a control is refused', async () => {
    const exe = await findExecutable('chromium', process.env.PATH ?? '');
    if (!exe) throw new Error('chromium is not installed: npm test installs it as root (apt-get install chromium); install it to run this test');
    env = await quickPoolEnv(1, 30_000);
    const c = env.startController();
    await dropTask(env.project, 'busy.md', 'Takes the only session.\n');
    await c.waitForLine((l) => l.msg === 'submitted task', 'the only session busy', 20_000);
    await dropTask(env.project, 'queued.md', 'Waits for a session.\n');
    const port = await freePort();
    web = execa('node', [join(REPO_ROOT, 'bin/agentpool.js'), 'web', '--config', env.configFile, '--listen', `127.0.0.1:${port}`], { reject: false });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => fetch(`${base}/api/pool`).then((r) => r.ok, () => false), { timeoutMs: 15_000, what: 'the dashboard serving' });
    // Without a login: refused.
    const refused = await fetch(`${base}/api/cancel`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ project: 'project', name: 'queued.md' }) });
    expect(refused.status).toBe(403);

    browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.waitForSelector('#tasks tr[data-task="queued.md"]');
    expect(await page.locator('button.cancel').count()).toBe(0);
    // The token is in the state folder (never in a URL): a wrong one is refused, the right one logs in.
    await page.goto(`${base}/login`);
    await page.fill('input[name="token"]', 'not-the-token');
    await page.click('button[type="submit"]');
    expect(await page.locator('.error').textContent()).toBe('That is not the token.');
    const token = (await readFile(join(env.dir, 'state', 'web-token'), 'utf8')).trim();
    await page.goto(`${base}/login`);
    await page.fill('input[name="token"]', token);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${base}/`);
    expect(page.url()).not.toContain(token);
    await page.locator('button.cancel[data-task="queued.md"]').click();
    await waitFor(async () => (await readdir(join(env!.project, '.agent-queue', 'failed')).catch(() => [] as string[])).includes('queued.md'), { timeoutMs: 20_000, what: 'queued.md in failed/' });
    await page.waitForSelector('#tasks tr[data-task="queued.md"][data-state="failed"]', { timeout: 10_000 });
    expect(c.lines.filter((l) => l.msg === 'claimed task')).toHaveLength(1);
  }, 90_000);
});

/** Where the test's screenshots go (test/artifacts/, kept out of git). */
async function artifacts(): Promise<string> {
  const dir = join(REPO_ROOT, 'test', 'artifacts');
  await mkdir(dir, { recursive: true });
  return dir;
}
