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
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/util/which.js';
import { ensureBuilt, quickPoolEnv, REPO_ROOT, type PoolEnv } from '../helpers/pool-env.js';
import { freePort } from '../helpers/ports.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

/** The screens of the page (assets/screens.js), as the page's script has them. */
declare const Screens: { text(session: string): string | null };
declare const login: { csrf: string };

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
    const exe = await chromiumPath();
    env = await quickPoolEnv(2, 1_500);
    const c = env.startController();
    await waitFor(() => c.lines.filter((l) => l.to === 'idle').length >= 2, { timeoutMs: 20_000, what: 'two sessions' });
    const base = await startWeb(env);

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
    // Each tile shows its session's screen, live, drawn by the terminal emulator: idle, no agent yet.
    await page.waitForFunction(() => document.querySelectorAll('.screen[data-screen="live"]').length === 2);
    await page.waitForFunction(() => ['ccl-auto-1', 'ccl-auto-2'].every((s) => (Screens.text(s) ?? '').startsWith('agentpool: idle pool session, waiting for a task')));

    // A task dropped into the inbox: its session's tile turns working, and its screen shows the prompt the
    // agent was given, as the pane shows it.
    await dropTask(env.project, 'hello.md', 'Say hello from the screen test.\n');
    const working = await page.waitForFunction(() => document.querySelector('[data-state="working"]')?.getAttribute('data-session'), null, { timeout: 15_000 });
    const session = (await working.jsonValue()) as string;
    await page.waitForFunction((s) => (Screens.text(s) ?? '').includes('> [hello.md] Say hello from the screen test.'), session, { timeout: 10_000 });
    expect(await env.tmux.run('capture-pane', '-p', '-t', `=${session}:`)).toContain('> [hello.md] Say hello from the screen test.');
    await page.screenshot({ path: join(await artifacts(), 'web-pool.png'), fullPage: true });
    await page.waitForFunction(() => document.querySelector('#tasks tr[data-task="hello.md"]')?.getAttribute('data-state') === 'done', null, { timeout: 15_000 });

    const name = `<img src=x onerror="document.title='pwned';alert(1)">.md`;
    await dropTask(env.project, name, '<script>document.title = "pwned too"</script>\n');
    // Its session's tile turns working with the task's name as text, then the task is done: no reload.
    await page.waitForFunction((n) => Array.from(document.querySelectorAll('[data-state="working"] .task')).some((e) => e.textContent === n), name, { timeout: 15_000 });
    await page.waitForFunction((n) => Array.from(document.querySelectorAll('#tasks tr[data-state="done"]')).some((r) => r.getAttribute('data-task') === n), name, { timeout: 15_000 });
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
    // The agent's screen showed the task's text too: as characters in the terminal, never as HTML.
    expect(await page.locator('.screen script, .screen img').count()).toBe(0);
    // It ran nothing: no image was asked for, no dialog opened, the title is the page's own.
    expect(await page.title()).toBe('agentpool');
    expect(dialogs).toEqual([]);
    expect(requested.filter((p) => p === '/x')).toEqual([]);
    expect(await page.locator('img').count()).toBe(0);

    // The timeline: the task's attempt a bar on its session's row, done, its name as text.
    await page.goto(`${base}/timeline`);
    await page.waitForSelector('.bar[data-outcome="done"]');
    const bars = await page.locator('.bar[data-outcome="done"]').evaluateAll((list) => list.map((b) => [b.closest('.lane')?.getAttribute('data-session'), b.textContent]));
    expect(bars.map(([, task]) => task).sort()).toEqual([name, 'hello.md'].sort());
    expect(bars.every(([session]) => /^ccl-auto-[12]$/.test(session ?? ''))).toBe(true);
    await page.screenshot({ path: join(await artifacts(), 'web-timeline.png'), fullPage: true });
    expect(await page.title()).toBe('agentpool timeline');
    expect(dialogs).toEqual([]);
    expect(requested.filter((p) => p === '/x')).toEqual([]);
  }, 90_000);

  it('shows a task\'s page: its text, its attempts, and its branch\'s diff, where HTML in a changed line is text', async () => {
    const exe = await chromiumPath();
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
    const base = await startWeb(env);

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
    // Its transitions, from claim to done, and what the agent showed in its attempt (as text).
    const to = await page.locator('#transitions tbody tr td:nth-child(4)').allTextContents();
    expect(to).toEqual(expect.arrayContaining(['working', 'stopping']));
    expect(await page.locator('#logs h3').allTextContents()).toEqual([expect.stringMatching(/^attempt 1 in ccl-auto-1 \(done\)$/)]);
    expect(await page.locator('#logs pre').textContent()).toContain('> [change.md] <img src=x onerror="document.title=\'pwned\'"> in');
    // The diff: app.txt with the agent's added line, as text.
    expect(await page.locator('.d2h-file-name').first().textContent()).toContain('app.txt');
    expect(await page.locator('.d2h-ins .d2h-code-line-ctn').allTextContents()).toEqual([line]);
    await page.screenshot({ path: join(await artifacts(), 'web-task.png'), fullPage: true });
    expect(await page.title()).toBe('agentpool: change.md');
    expect(requested.filter((p) => p === '/x')).toEqual([]);
  }, 90_000);

  it('cancels a queued task from the page once logged in with the token, through the controller; without the login a control is refused', async () => {
    const exe = await chromiumPath();
    env = await quickPoolEnv(1, 30_000);
    const c = env.startController();
    await dropTask(env.project, 'busy.md', 'Takes the only session.\n');
    await c.waitForLine((l) => l.msg === 'submitted task', 'the only session busy', 20_000);
    await dropTask(env.project, 'queued.md', 'Waits for a session.\n');
    const base = await startWeb(env);
    // Without a login: refused.
    const refused = await fetch(`${base}/api/control`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ kind: 'cancel', project: 'project', name: 'queued.md' }) });
    expect(refused.status).toBe(403);

    browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.waitForSelector('#tasks tr[data-task="queued.md"]');
    expect(await page.locator('button[data-kind="cancel"]').count()).toBe(0);
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
    await page.locator('#tasks tr[data-task="queued.md"] button[data-kind="cancel"]').click();
    await waitFor(async () => (await readdir(join(env!.project, '.agent-queue', 'failed')).catch(() => [] as string[])).includes('queued.md'), { timeoutMs: 20_000, what: 'queued.md in failed/' });
    await page.waitForSelector('#tasks tr[data-task="queued.md"][data-state="failed"]', { timeout: 10_000 });
    expect(c.lines.filter((l) => l.msg === 'claimed task')).toHaveLength(1);
  }, 90_000);

  it('adds tasks from the queue page (typed, and an uploaded .md file) into the inbox as agentpool add does, shows why a task was refused, and cordons, drains, uncordons and retries through the controller', async () => {
    const exe = await chromiumPath();
    env = await quickPoolEnv(1, 30_000);
    const c = env.startController();
    await dropTask(env.project, 'busy.md', 'Takes the only session.\n');
    await c.waitForLine((l) => l.msg === 'submitted task', 'the only session busy', 20_000);
    await dropTask(env.project, 'broken.md', '---\npriority: [not, a, priority]\n---\nA task whose front matter is wrong.\n');
    await waitFor(async () => (await readdir(join(env!.project, '.agent-queue', 'failed')).catch(() => [] as string[])).includes('broken.md'), { timeoutMs: 15_000, what: 'broken.md refused' });
    const base = await startWeb(env);
    browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await logIn(page, base, env);

    await page.goto(`${base}/queue`);
    // Refused on arrival, with the controller's reason, as text.
    await page.waitForSelector('.refused li[data-task="broken.md"]');
    expect(await page.locator('.refused li[data-task="broken.md"] .error').textContent()).toMatch(/priority/);
    // Typed: front matter and body, under a name of the person's choosing.
    await page.selectOption('#add-project', 'project');
    await page.fill('#add-name', 'typed.md');
    await page.fill('#add-text', '---\npriority: high\n---\n\nA task typed into the page.\n');
    await page.click('#add button[type="submit"]');
    await page.waitForSelector('#add-note.added');
    expect(await page.locator('#add-note').textContent()).toBe('added project/typed.md');
    // Uploaded: the file's own name and text.
    const upload = join(env.dir, 'uploaded.md');
    await writeFile(upload, '---\npriority: low\n---\n\nA task from a file.\n');
    await page.setInputFiles('#add-file', upload);
    await page.waitForFunction(() => document.getElementById('add-note')?.textContent === 'added project/uploaded.md');
    // Bad text is refused with why, and nothing is written.
    await page.fill('#add-name', '');
    await page.fill('#add-text', '---\nagent: no-such-agent\n---\nWho runs this?\n');
    await page.click('#add button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('add-note')?.textContent?.startsWith('not added: '));
    expect(await page.locator('#add-note').textContent()).toMatch(/no-such-agent/);
    // The inbox, by priority: high before low, each as written (a whole file, never half of one).
    await page.waitForFunction(() => document.querySelectorAll('[data-project="project"] .inbox tr[data-task]').length === 2);
    expect(await page.locator('[data-project="project"] .inbox tr[data-task]').evaluateAll((r) => r.map((x) => x.getAttribute('data-task')))).toEqual(['typed.md', 'uploaded.md']);
    const inbox = join(env.project, '.agent-queue', 'inbox');
    expect((await readdir(inbox)).filter((n) => !n.startsWith('.')).sort()).toEqual(['typed.md', 'uploaded.md']);
    expect(await readFile(join(inbox, 'typed.md'), 'utf8')).toBe('---\npriority: high\n---\n\nA task typed into the page.\n');
    await page.screenshot({ path: join(await artifacts(), 'web-queue.png'), fullPage: true });

    // The session's controls on the pool page: drain (a cordon: it finishes busy.md, takes nothing more).
    await page.goto(`${base}/`);
    await page.locator('[data-session="ccl-auto-1"] button[data-kind="drain"]').click();
    await page.waitForSelector('[data-session="ccl-auto-1"] button[data-kind="uncordon"]', { timeout: 20_000 });
    expect(await page.locator('[data-session="ccl-auto-1"] .state').textContent()).toMatch(/\(cordoned\)$/);
    expect(c.lines.filter((l) => l.msg === 'claimed task')).toHaveLength(1);
    await page.locator('[data-session="ccl-auto-1"] button[data-kind="uncordon"]').click();
    await page.waitForSelector('[data-session="ccl-auto-1"] button[data-kind="cordon"]', { timeout: 20_000 });
    // Retry on a task's page: the controller refuses a file that would fail again, and says why.
    await page.goto(`${base}/task?project=project&name=broken.md`);
    await page.locator('button[data-kind="retry"]').click();
    await page.waitForFunction(() => document.querySelector('button[data-kind="retry"]')?.textContent?.startsWith('retry: '), null, { timeout: 20_000 });
    expect(await page.locator('button[data-kind="retry"]').textContent()).toMatch(/^retry: broken\.md cannot be retried: fix the file first: unknown priority/);
    // A cancelled task, retried from its page, is queued again for its next attempt.
    await page.goto(`${base}/task?project=project&name=uploaded.md`);
    await page.locator('button[data-kind="cancel"]').click();
    await waitFor(async () => (await readdir(join(env!.project, '.agent-queue', 'failed'))).includes('uploaded.md'), { timeoutMs: 20_000, what: 'uploaded.md cancelled' });
    await page.reload();
    await page.locator('button[data-kind="retry"]').click();
    await page.waitForFunction(() => document.querySelector('button[data-kind="retry"]')?.textContent === 'retry: done', null, { timeout: 20_000 });
    expect(await page.locator('button[data-kind="retry"]').getAttribute('title')).toMatch(/^uploaded\.md is queued again/);
    expect(await readdir(join(env.project, '.agent-queue', 'active'))).toContain('uploaded.md');
    expect(await readdir(join(env.project, '.agent-queue', 'failed'))).not.toContain('uploaded.md');
    // The controller did each of these; the session ran busy.md only.
    expect(c.lines.filter((l) => l.msg === 'claimed task').map((l) => l.task)).toEqual([expect.stringMatching(/busy\.md$/)]);
  }, 90_000);

  it('lets a logged-in person take control of a screen only when the dashboard allows it: what they type reaches the pane, and it is logged; a second viewer sees the same through the one tmux client', async () => {
    const exe = await chromiumPath();
    // A warm agent waits at its prompt: what is typed shows in its input box.
    env = await quickPoolEnv(1, 100, { pool: { prewarm: true } });
    const c = env.startController();
    await waitFor(async () => (await env!.tmux.run('capture-pane', '-p', '-t', '=ccl-auto-1:').catch(() => '')).includes('Welcome to Fake Agent'), { timeoutMs: 20_000, what: 'the warm agent' });
    browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });

    // Read-only by default: no way to take control, and the server refuses it anyway.
    let base = await startWeb(env);
    await logIn(page, base, env);
    await page.goto(`${base}/screen?session=ccl-auto-1`);
    await page.waitForFunction(() => (Screens.text('ccl-auto-1') ?? '').includes('Welcome to Fake Agent'));
    expect(await page.locator('#take').isHidden()).toBe(true);
    const refused = await page.evaluate(async () => (await fetch('/api/take', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Agentpool-CSRF': login.csrf }, body: JSON.stringify({ session: 'ccl-auto-1' }) })).status);
    expect(refused).toBe(403);
    web?.kill('SIGTERM');
    await web?.catch(() => {});

    base = await startWeb(env, ['--allow-input']);
    await logIn(page, base, env);
    await page.goto(`${base}/screen?session=ccl-auto-1`);
    await page.waitForFunction(() => (Screens.text('ccl-auto-1') ?? '').includes('Welcome to Fake Agent'));
    // Typing before taking control reaches nothing.
    await page.click('#screen');
    await page.keyboard.type('not yet');
    await page.click('#take');
    await page.waitForSelector('#screen[data-control="taken"]');
    await page.click('#screen');
    await page.keyboard.type('typed by a person');
    await waitFor(async () => (await env!.tmux.run('capture-pane', '-p', '-t', '=ccl-auto-1:')).includes('❯ typed by a person'), { timeoutMs: 10_000, what: 'the keys in the pane' });
    expect(await env.tmux.run('capture-pane', '-p', '-t', '=ccl-auto-1:')).not.toContain('not yet');
    // The page's screen shows what the pane shows, from the stream.
    await page.waitForFunction(() => (Screens.text('ccl-auto-1') ?? '').includes('❯ typed by a person'));
    await page.screenshot({ path: join(await artifacts(), 'web-screen.png') });
    // A second viewer of the same screen sees the same, through the same one tmux client, and the pane
    // keeps its size.
    const second = await browser.newPage({ viewport: { width: 800, height: 600 } });
    await second.goto(`${base}/screen?session=ccl-auto-1`);
    await second.waitForFunction(() => (Screens.text('ccl-auto-1') ?? '').includes('❯ typed by a person'));
    await page.keyboard.type(' and more');
    for (const p of [page, second]) await p.waitForFunction(() => (Screens.text('ccl-auto-1') ?? '').includes('❯ typed by a person and more'));
    const clients = (await env.tmux.run('list-clients', '-F', '#{client_session} #{client_flags}')).split('\n').filter((l) => l.startsWith('ccl-auto-1 ') && l.includes('read-only'));
    expect(clients).toHaveLength(1);
    expect((await env.tmux.run('display-message', '-p', '-t', '=ccl-auto-1:', '#{pane_width}x#{pane_height}')).trim()).toBe('200x50');
    await second.close();
    await page.click('#take');
    await page.waitForFunction(() => document.getElementById('take')?.textContent === 'Take control');
    // Typing made no task: the controller claimed nothing.
    expect(c.lines.filter((l) => l.msg === 'claimed task')).toEqual([]);
    web?.kill('SIGTERM');
    const ended = await web!;
    web = undefined;
    const log = String(ended.all ?? '');
    expect(log).toMatch(/a page took control of a pane/);
    expect(log).toMatch(/typed into a pane/);
    expect(log).toMatch(/a page released its control of a pane/);
    // How much was typed is logged, never what.
    expect(log).not.toContain('typed by a person');
  }, 90_000);
});

async function chromiumPath(): Promise<string> {
  const exe = await findExecutable('chromium', process.env.PATH ?? '');
  if (!exe) throw new Error('chromium is not installed: npm test installs it as root (apt-get install chromium); install it to run this test');
  return exe;
}

/** `agentpool web` for `e` on a free loopback port, once it serves; its output is kept (all). */
async function startWeb(e: PoolEnv, args: string[] = []): Promise<string> {
  const port = await freePort();
  web = execa('node', [join(REPO_ROOT, 'bin/agentpool.js'), 'web', '--config', e.configFile, '--listen', `127.0.0.1:${port}`, '--log-format', 'json', ...args], { reject: false, all: true });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => fetch(`${base}/api/pool`).then((r) => r.ok, () => false), { timeoutMs: 15_000, what: 'the dashboard serving' });
  return base;
}

/** Logs `page` in with the token from the state folder, as a person types it. */
async function logIn(page: Page, base: string, e: PoolEnv): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name="token"]', (await readFile(join(e.dir, 'state', 'web-token'), 'utf8')).trim());
  await page.click('button[type="submit"]');
  await page.waitForURL(`${base}/`);
}

/** Where the test's screenshots go (test/artifacts/, kept out of git). */
async function artifacts(): Promise<string> {
  const dir = join(REPO_ROOT, 'test', 'artifacts');
  await mkdir(dir, { recursive: true });
  return dir;
}
