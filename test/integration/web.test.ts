/**
 * `agentpool web` (issue 28, first slice) against a running pool of fake agents: the page and its script
 * are served with a policy that runs only the page's own script; the pool and its tasks come as data, and
 * live through server-sent events as tasks move; requests for another host name or from another site are
 * refused; a non-loopback address is refused.
 */
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
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    const html = await page.text();
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual(['<script src="/assets/app.js" defer>']);
    const script = await (await fetch(`${base}/assets/app.js`)).text();
    expect(script).toContain('textContent');
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);

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
    await reader.cancel();
    await reading.catch(() => {});
    // Data, as text: what the page sets with textContent.
    expect(seen.at(-1).tasks.find((t: any) => t.name === 'hostile.md')).toMatchObject({ state: 'done', project: 'project' });
  }, 60_000);

  it('refuses another host name (DNS rebinding), another site\'s Origin, and an address that is not loopback', async () => {
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
    const wide = await execa('node', [join(REPO_ROOT, 'bin/agentpool.js'), 'web', '--config', env.configFile, '--listen', '0.0.0.0:7421'], { reject: false, timeout: 15_000 });
    expect(wide.exitCode).not.toBe(0);
    expect(wide.stderr).toMatch(/listens on a loopback address only \(0\.0\.0\.0 is not one\): an address others can reach needs a login/);
  }, 60_000);

  it('is served by the controller itself with controller.web, and goes with it', async () => {
    const port = await freePort();
    env = await quickPoolEnv(1, 100, { controller: { web: `:${port}` } });
    const c = env.startController();
    const served = await c.waitForLine((l) => l.msg === 'serving the dashboard', 'the dashboard served', 20_000);
    expect(served.url).toBe(`http://127.0.0.1:${port}/`);
    await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${port}/api/pool`)).json()) as { sessions: unknown[] }).sessions.length === 1, { timeoutMs: 15_000, what: 'the session in the dashboard' });
    expect((await fetch(`http://127.0.0.1:${port}/`)).headers.get('content-security-policy')).toContain("script-src 'self'");
    await c.stop(10_000);
    expect(await fetch(`http://127.0.0.1:${port}/api/pool`).then(() => 'answered', () => 'closed')).toBe('closed');
  }, 60_000);
});
