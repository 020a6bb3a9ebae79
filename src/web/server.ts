import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { DesiredState } from '../config/types.js';
import { AGENTPOOL_DIR } from '../agents/launch.js';
import { readStatusFile, statusFreshMs } from '../status/status-file.js';
import { listTasks, type TaskRow } from '../tasks/list.js';
import { loginPage, page, taskPage, timelinePage } from './page.js';
import { loginToken, Logins } from './login.js';
import { sendRequest } from '../controls/requests.js';
import { taskDiff } from '../git/task-diff.js';
import { readActive, readResult } from '../tasks/store.js';

/** What the pool page shows: the controller's status file as it wrote it last, and every task. */
export interface PoolView {
  at: number;
  controller: { running: boolean; pid: number | null; writtenAt: number | null };
  pool: { prefix: string; desired: number; agent: string };
  sessions: unknown[];
  problems: string[];
  tasks: TaskRow[];
}

/** How long after the status file changed a view is sent, at the most (its writes come in bursts). */
const SETTLE_MS = 50;

/**
 * The web dashboard's server (issue 28), for a pool whose controller runs on this machine: it reads what
 * the controller writes (its status file, the task folders) and never writes anything. Loopback only.
 *
 * Every request is checked: its Host must name this server by the address it listens on (a page of
 * another site that resolves its name to 127.0.0.1, DNS rebinding, is refused), and an Origin, when sent,
 * must be this server's own (no CORS: another site's page can neither read nor post). Every answer says
 * the page runs only its own script (Content-Security-Policy, no inline script), and what the page shows
 * of tasks and agents it sets as text, never as HTML (assets/app.js).
 */
export async function webApp(d: DesiredState, listen: { host: string; port: number }, log: Logger) {
  const { Hono } = await import('hono');
  const app = new Hono();
  const hosts = new Set([`${listen.host}:${listen.port}`, `localhost:${listen.port}`, `127.0.0.1:${listen.port}`, `[::1]:${listen.port}`]);
  const origins = new Set([...hosts].map((h) => `http://${h}`));
  app.use('*', async (c, next) => {
    const host = c.req.header('host') ?? '';
    const origin = c.req.header('origin');
    if (!hosts.has(host)) {
      log.warn({ host, path: c.req.path }, 'web: refused a request for another host name (DNS rebinding?)');
      return c.text(`this server answers to ${listen.host}:${listen.port} only\n`, 403);
    }
    if (origin !== undefined && !origins.has(origin)) {
      log.warn({ origin, path: c.req.path }, 'web: refused a request from another site');
      return c.text('requests from other sites are refused\n', 403);
    }
    await next();
    c.header('Content-Security-Policy', "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    c.header('X-Content-Type-Options', 'nosniff');
    // same-origin, not no-referrer: with no-referrer a browser's form post says `Origin: null`, which is refused.
    c.header('Referrer-Policy', 'same-origin');
    c.header('Cache-Control', 'no-store');
  });
  const logins = new Logins(await loginToken(d.controller.stateDir));
  const cookieOf = (header: string | undefined) => /(?:^|;\s*)agentpool=([0-9a-f]+)/.exec(header ?? '')?.[1];
  app.get('/login', (c) => c.html(loginPage(false)));
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const got = logins.login(String(form.token ?? ''));
    if (!got) {
      log.warn({}, 'web: a login with a wrong token');
      return c.html(loginPage(true), 403);
    }
    c.header('Set-Cookie', `agentpool=${got.session}; HttpOnly; SameSite=Strict; Path=/`);
    return c.redirect('/', 303);
  });
  app.get('/api/session', (c) => c.json({ csrf: logins.csrfOf(cookieOf(c.req.header('cookie'))) }));
  // Controls go through the controller's request path, as `agentpool cancel` does: it stays the only writer.
  app.post('/api/cancel', async (c) => {
    if (!logins.allows(cookieOf(c.req.header('cookie')), c.req.header('x-agentpool-csrf'))) return c.json({ ok: false, message: 'log in first (controls need the token)' }, 403);
    const { project, name } = (await c.req.json().catch(() => ({}))) as { project?: string; name?: string };
    const row = (await listTasks(d.projects)).find((t) => t.project === project && t.name === name);
    if (!row) return c.json({ ok: false, message: `no task ${project}/${name}` }, 404);
    const reply = await sendRequest(d.controller.stateDir, 'cancel', row.path, 20_000);
    log.info({ task: row.path, ok: reply?.ok ?? null }, 'web: cancel asked');
    return c.json(reply ?? { ok: false, message: 'the controller did not act on the request in time (is it running?)' }, reply?.ok ? 200 : 409);
  });
  app.get('/', (c) => c.html(page()));
  app.get('/task', (c) => c.html(taskPage()));
  app.get('/timeline', (c) => c.html(timelinePage()));
  app.get('/api/timeline', async (c) => c.json(await timelineView(d, Number(c.req.query('hours') ?? 24))));
  const own = join(AGENTPOOL_DIR, 'src', 'web', 'assets');
  const diff2html = join(AGENTPOOL_DIR, 'node_modules', 'diff2html', 'bundles');
  const assets: Array<[string, string, string]> = [
    ['app.js', join(own, 'app.js'), 'text/javascript; charset=utf-8'],
    ['task.js', join(own, 'task.js'), 'text/javascript; charset=utf-8'],
    ['timeline.js', join(own, 'timeline.js'), 'text/javascript; charset=utf-8'],
    ['app.css', join(own, 'app.css'), 'text/css; charset=utf-8'],
    ['diff2html.min.js', join(diff2html, 'js', 'diff2html.min.js'), 'text/javascript; charset=utf-8'],
    ['diff2html.min.css', join(diff2html, 'css', 'diff2html.min.css'), 'text/css; charset=utf-8'],
  ];
  for (const [name, file, type] of assets) {
    app.get(`/assets/${name}`, async (c) => c.body(await readFile(file, 'utf8'), 200, { 'Content-Type': type }));
  }
  app.get('/api/task', async (c) => {
    const project = c.req.query('project');
    const name = c.req.query('name');
    const row = (await listTasks(d.projects)).find((t) => t.project === project && t.name === name);
    if (!row) return c.json({ error: `no task ${project}/${name}` }, 404);
    const facts = row.state === 'done' || row.state === 'failed' ? await readResult(row.path) : row.state === 'active' ? (await readActive(row.path))?.sidecar ?? null : null;
    const text = await readFile(row.path, 'utf8').then((t) => t.slice(0, 1_048_576), () => null);
    const diff = await taskDiff(d, row).catch((err: Error) => ({ error: err.message }));
    return c.json({ task: row, text, history: facts?.history ?? [], diff });
  });
  app.get('/api/pool', async (c) => c.json(await poolView(d)));
  app.get('/api/events', (c) => {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const enc = new TextEncoder();
    let last = '';
    let timer: NodeJS.Timeout | undefined;
    let watcher: FSWatcher | undefined;
    const send = async () => {
      const text = JSON.stringify(await poolView(d));
      if (text === last) return;
      last = text;
      await writer.write(enc.encode(`event: pool\ndata: ${text}\n\n`));
    };
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void send().catch(() => stop()), SETTLE_MS);
    };
    // The status file is replaced after every pass of the controller (and its passes follow every change).
    watcher = watch(d.controller.stateDir, (_event, name) => {
      if (name === 'status.json') soon();
    });
    // And a slow look anyway, for changes no pass follows at once (a file dropped into an inbox).
    const every = setInterval(soon, 1_000);
    const stop = () => {
      clearTimeout(timer);
      clearInterval(every);
      watcher?.close();
      watcher = undefined;
      void writer.close().catch(() => {});
    };
    c.req.raw.signal.addEventListener('abort', stop);
    void send().catch(() => stop());
    return c.body(readable, 200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  });
  return app;
}

/** The pool as the page shows it. */
export async function poolView(d: DesiredState): Promise<PoolView> {
  const file = await readStatusFile(d.controller.stateDir, statusFreshMs(d.controller.resyncMs));
  const s = file?.status;
  return {
    at: Date.now(),
    controller: { running: !!file?.live, pid: s?.pid ?? null, writtenAt: s?.writtenAt ?? null },
    pool: s?.pool ?? { prefix: d.pool.prefix, desired: d.pool.size, agent: d.pool.agent },
    sessions: s?.sessions ?? [],
    problems: s?.problems ?? [],
    tasks: await listTasks(d.projects),
  };
}

/** Whether `host` is a loopback address this slice may listen on (a login for others is not there yet). */
export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Serves the dashboard on `listen` (loopback only) until close(); rejects when the address is not a
 * loopback one or cannot be had. `agentpool web` and a controller with `controller.web` both use it.
 */
export async function serveDashboard(d: DesiredState, listen: { host: string; port: number }, log: Logger): Promise<{ url: string; close(): void }> {
  if (!isLoopbackHost(listen.host)) {
    throw new Error(`the dashboard listens on a loopback address only (${listen.host} is not one): an address others can reach needs a login, which is not there yet; reach it through an SSH tunnel (ssh -L 7420:127.0.0.1:7420 HOST)`);
  }
  const app = await webApp(d, listen, log);
  const { serve } = await import('@hono/node-server');
  const server = serve({ fetch: app.fetch, hostname: listen.host, port: listen.port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${listen.host}:${listen.port}: ${err.code === 'EADDRINUSE' ? 'the port is taken' : err.message}`)));
  });
  const url = `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}/`;
  log.info({ url }, 'serving the dashboard');
  return { url, close: () => server.close() };
}

/** One attempt on the timeline: its session's row, from its claim to its end (or now), coloured by outcome. */
export interface TimelineBar {
  session: string;
  task: string;
  project: string;
  from: number;
  to: number;
  outcome: string;
}

/**
 * The last `hours` of the pool's work as bars (sessions × time): each settled task's last attempt from its
 * claim to its end, by its outcome, and each task at work from its claim to now.
 */
export async function timelineView(d: DesiredState, hours: number): Promise<{ from: number; to: number; sessions: string[]; bars: TimelineBar[] }> {
  const to = Date.now();
  const from = to - Math.max(1, Math.min(24 * 7, hours || 24)) * 3_600_000;
  const bars: TimelineBar[] = [];
  for (const t of await listTasks(d.projects, ['active', 'done', 'failed'])) {
    const facts = t.state === 'active' ? (await readActive(t.path))?.sidecar : await readResult(t.path);
    if (!facts?.session || facts.claimedAt === null) continue;
    const end = t.state === 'active' ? to : t.finishedAt ?? to;
    if (end < from) continue;
    bars.push({ session: facts.session, task: t.name, project: t.project, from: Math.max(from, facts.claimedAt), to: end, outcome: t.state === 'active' ? 'running' : t.state });
  }
  const sessions = [...new Set(bars.map((b) => b.session))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  // The window the work fills (at most `hours`), with a margin before the first claim: a morning's work is
  // not a sliver at the right edge of a day.
  const earliest = Math.min(...bars.map((b) => b.from));
  const shown = bars.length ? Math.max(from, earliest - Math.max(10_000, (to - earliest) * 0.05)) : from;
  return { from: shown, to, sessions, bars };
}
