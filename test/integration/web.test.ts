/**
 * `agentpool web` (issue 28) against a running pool of fake agents: the page and its scripts are served
 * with a policy that runs only the page's own scripts; the pool and its tasks come as data, the whole pool
 * first and then only what changed, through server-sent events as tasks move; requests for another host
 * name or from another site are refused, and so is a WebSocket without the page's own Origin; on an
 * address others can reach every page needs the token.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, quickPoolEnv, REPO_ROOT, type PoolEnv } from '../helpers/pool-env.js';
import { freePort } from '../helpers/ports.js';
import { dropTask } from '../helpers/tasks.js';
import { waitFor } from '../helpers/tmux-server.js';

let env: PoolEnv | undefined;
let web: ResultPromise | undefined;
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  web?.kill('SIGTERM');
  await web?.catch(() => {});
  web = undefined;
  await env?.cleanup();
  env = undefined;
});

/** The status a WebSocket upgrade of /api/screens gets with `headers` (101: upgraded). */
async function upgrade(port: number, headers: Record<string, string>): Promise<number> {
  const { request } = await import('node:http');
  return new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/screens', headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers } });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** `agentpool web` on a free loopback port, once it serves. */
async function startWeb(e: PoolEnv): Promise<string> {
  const port = await freePort();
  web = execa('node', [join(REPO_ROOT, 'bin/agentpool.js'), 'web', '--config', e.configFile, '--listen', `127.0.0.1:${port}`, '--log-format', 'json'], { reject: false, all: true });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${base}/api/pool`).then((r) => r.ok, () => false)), { timeoutMs: 15_000, what: 'the dashboard serving' });
  return base;
}

describe('agentpool web', () => {
  it('serves the pool page with its own script only, the pool as data, and each change live as an event', async () => {
    env = await quickPoolEnv(2, 300);
    const c = env.startController();
    await waitFor(() => c.lines.filter((l) => l.to === 'idle').length >= 2, { timeoutMs: 20_000, what: 'two sessions' });
    const base = await startWeb(env);

    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    // No inline script; inline styles only (xterm.js writes its theme as a style element).
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    const html = await page.text();
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual(['dom.js', 'xterm.js', 'screens.js', 'app.js'].map((s) => `<script src="/assets/${s}" defer>`));
    // The pages' own scripts set text, never HTML (the task page's diff is diff2html's, which escapes).
    for (const name of ['dom.js', 'app.js', 'screens.js', 'screen.js', 'queue.js', 'fleet.js', 'timeline.js']) {
      const script = await (await fetch(`${base}/assets/${name}`)).text();
      expect(script, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    }
    expect(await (await fetch(`${base}/assets/dom.js`)).text()).toContain('textContent');

    const view = (await (await fetch(`${base}/api/pool`)).json()) as { controller: { running: boolean }; sessions: Array<{ session: string }> };
    expect(view.controller.running).toBe(true);
    expect(view.sessions.map((s) => s.session)).toEqual(['ccl-auto-1', 'ccl-auto-2']);

    // Live: the events stream sends the pool again as the task moves, without a reload.
    const events = await fetch(`${base}/api/events`);
    expect(events.headers.get('content-type')).toBe('text/event-stream');
    const reader = events.body!.getReader();
    const seen: any[] = [];
    const reading = (async () => {
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += dec.decode(value, { stream: true });
        for (let i = buf.indexOf('\n\n'); i !== -1; i = buf.indexOf('\n\n')) {
          const data = buf.slice(0, i).split('\n').find((l) => l.startsWith('data: '));
          buf = buf.slice(i + 2);
          if (data) seen.push(JSON.parse(data.slice(6)));
        }
      }
    })();
    const hostile = '<img src=x onerror=alert(1)> and <script>alert(2)</script>';
    await dropTask(env.project, 'hostile.md', `${hostile}\n`);
    await waitFor(() => seen.some((v) => v.sessions.some((s: any) => s.state === 'working' && s.task === 'hostile.md')), { timeoutMs: 15_000, what: 'a tile working on the task' });
    await waitFor(() => seen.some((v) => v.tasks.some((t: any) => t.name === 'hostile.md' && t.state === 'done')), { timeoutMs: 15_000, what: 'the task done' });
    // The first message is the whole pool; the rest only what changed (never both sessions at every change).
    expect(seen[0]).toMatchObject({ full: true, sessions: [{ session: 'ccl-auto-1' }, { session: 'ccl-auto-2' }] });
    expect(seen.slice(1).every((v) => v.full === false && v.sessions.length <= 1)).toBe(true);
    await reader.cancel();
    await reading.catch(() => {});
    // Data, as text: what the page sets with textContent.
    expect(seen.flatMap((v) => v.tasks).findLast((t: any) => t.name === 'hostile.md')).toMatchObject({ state: 'done', project: 'project' });
  }, 60_000);

  it('refuses another host name (DNS rebinding), another site\'s Origin, a WebSocket from another site or with none, and an oversized body; outlives a bad frame; ends on SIGTERM with a page open', async () => {
    env = await quickPoolEnv(1, 100);
    const base = await startWeb(env);
    const port = new URL(base).port;
    // fetch sets Host from the URL: a raw request says another name, as a rebinding page would.
    const { request } = await import('node:http');
    const status = (headers: Record<string, string>) => new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: Number(port), path: '/api/pool', headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(await status({ Host: `127.0.0.1:${port}` })).toBe(200);
    expect(await status({ Host: `localhost:${port}` })).toBe(200);
    expect(await status({ Host: `evil.example:${port}` })).toBe(403);
    expect(await status({ Host: `127.0.0.1:${port}`, Origin: 'http://evil.example' })).toBe(403);
    expect(await status({ Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}` })).toBe(200);
    // The screens' WebSocket: another site's page, or a client that sends no Origin, is refused.
    expect(await upgrade(Number(port), { Host: `127.0.0.1:${port}`, Origin: 'http://evil.example' })).toBe(403);
    expect(await upgrade(Number(port), { Host: `127.0.0.1:${port}` })).toBe(403);
    expect(await upgrade(Number(port), { Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}` })).toBe(101);
    // A frame past the screens' limit ends that connection, and nothing else.
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/screens`, { headers: { Origin: `http://127.0.0.1:${port}` } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(200 * 1024));
    expect(await closed).toBe(1009);
    expect((await fetch(`${base}/api/pool`)).status).toBe(200);
    // A login past a few KB is refused unread.
    expect((await fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ token: 'x'.repeat(100_000) }) })).status).toBe(413);
    // And it ends on SIGTERM with a page's event stream open.
    const events = await fetch(`${base}/api/events`);
    const reader = events.body!.getReader();
    await reader.read();
    web!.kill('SIGTERM');
    const ended = await Promise.race([web!.then(() => 'ended'), new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
    web = undefined;
    expect(ended).toBe('ended');
    await reader.cancel().catch(() => {});
  }, 60_000);

  it('on an address others can reach, refuses every page and the screens without the token, and serves them after the login', async () => {
    env = await quickPoolEnv(1, 100);
    const port = await freePort();
    web = execa('node', [join(REPO_ROOT, 'bin/agentpool.js'), 'web', '--config', env.configFile, '--listen', `0.0.0.0:${port}`, '--log-format', 'json'], { reject: false, all: true });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/login`).then((r) => r.ok, () => false)), { timeoutMs: 15_000, what: 'the dashboard serving' });
    expect((await fetch(`${base}/api/pool`)).status).toBe(401);
    const home = await fetch(`${base}/`, { redirect: 'manual' });
    expect([home.status, home.headers.get('location')]).toEqual([303, '/login']);
    expect((await fetch(`${base}/api/task?project=project&name=a.md`)).status).toBe(401);
    expect(await upgrade(port, { Host: `127.0.0.1:${port}`, Origin: base })).toBe(401);
    const wrong = await fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ token: 'nope' }), redirect: 'manual' });
    expect(wrong.status).toBe(403);
    const token = (await readFile(join(env.dir, 'state', 'web-token'), 'utf8')).trim();
    const ok = await fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });
    expect(ok.status).toBe(303);
    const cookie = ok.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${base}/api/pool`, { headers: { cookie } })).status).toBe(200);
    expect(await upgrade(port, { Host: `127.0.0.1:${port}`, Origin: base, Cookie: cookie })).toBe(101);
    // It says so in its log: reachable by others, plain HTTP.
    web.kill('SIGTERM');
    const ended = await web;
    web = undefined;
    expect(ended.all).toMatch(/listens on an address others can reach: every page needs the login .* plain HTTP; put TLS in front of it/);
  }, 60_000);

  it('is served by the controller itself with controller.web, follows its config\'s reloads, and goes with it', async () => {
    const port = await freePort();
    env = await quickPoolEnv(1, 100, { controller: { web: `:${port}` } });
    const c = env.startController();
    const served = await c.waitForLine((l) => l.msg === 'serving the dashboard', 'the dashboard served', 20_000);
    expect(served.url).toBe(`http://127.0.0.1:${port}/`);
    await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${port}/api/pool`)).json()) as { sessions: unknown[] }).sessions.length === 1, { timeoutMs: 15_000, what: 'the session in the dashboard' });
    expect((await fetch(`http://127.0.0.1:${port}/`)).headers.get('content-security-policy')).toContain("script-src 'self'");
    // It shows the config as it is now: a project added by a reload is on the queue page without a restart.
    const other = join(env.dir, 'other');
    await mkdir(other, { recursive: true });
    await env.writeConfig({ controller: { web: `:${port}` }, projects: [{ path: env.project }, { path: other }] });
    await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${port}/api/queue`)).json()) as { projects: Array<{ name: string }> }).projects.map((p) => p.name).includes('other'), { timeoutMs: 15_000, what: 'the reloaded project in the dashboard' });
    await c.stop(10_000);
    expect(await fetch(`http://127.0.0.1:${port}/api/pool`).then(() => 'answered', () => 'closed')).toBe('closed');
  }, 60_000);
});
