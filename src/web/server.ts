import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import { join } from 'node:path';
import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { DesiredState } from '../config/types.js';
import { AGENTPOOL_DIR } from '../agents/launch.js';
import { findRow } from '../tasks/list.js';
import { fleetPage, loginPage, page, queuePage, screenPage, taskPage, timelinePage } from './page.js';
import { cookieOf, loginToken, Logins } from './login.js';
import { Gate } from './gate.js';
import { taskDiff } from '../git/task-diff.js';
import { readActive, readResult } from '../tasks/store.js';
import { readStatusFile, statusFreshMs } from '../status/status-file.js';
import { taskTransitions } from '../status/journal.js';
import { fleetPageView, poolView, queueView, timelineView } from './views.js';
import { PoolFeed } from './pool-feed.js';
import { controlRoutes } from './controls.js';
import { Screens, serveScreens } from './screens.js';

export interface WebOptions {
  /** Whether a logged-in page may take control of a pane and type into it (off unless asked for). */
  input: boolean;
}

/** What the pages may load: their own scripts only. Styles may be inline: xterm.js writes its theme as a style element. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The web dashboard's server (issue 28), for a pool whose controller runs on this machine: it reads what
 * the controller writes (its status file, the task folders, and the panes through tmux) and writes only
 * through the controller's request path (controls) or as a person would (a task added to an inbox). Every
 * answer says the page runs only its own scripts (Content-Security-Policy, no inline script), and what the
 * pages show of tasks and agents they set as text, never as HTML (assets/*.js); screens are drawn by a
 * terminal emulator.
 */
export async function webApp(config: () => DesiredState, gate: Gate, feed: PoolFeed, screens: Screens | null, log: Logger) {
  const { Hono } = await import('hono');
  const app = new Hono();
  app.use('*', async (c, next) => {
    const refused = gate.refuses({ host: c.req.header('host'), origin: c.req.header('origin'), cookie: c.req.header('cookie'), path: c.req.path });
    if (refused) {
      if (refused.status === 401 && c.req.method === 'GET' && !c.req.path.startsWith('/api/')) return c.redirect('/login', 303);
      log.warn({ host: c.req.header('host'), origin: c.req.header('origin'), path: c.req.path }, `web: refused: ${refused.why}`);
      return c.text(`${refused.why}\n`, refused.status);
    }
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    // same-origin, not no-referrer: with no-referrer a browser's form post says `Origin: null`, which is refused.
    c.header('Referrer-Policy', 'same-origin');
    c.header('Cache-Control', 'no-store');
  });
  // No body is read whole past what it can need: a login is a token; a task at most MAX_TASK_BYTES.
  const { bodyLimit } = await import('hono/body-limit');
  const tooBig = (c: Context) => c.text('too large\n', 413);
  app.use('/login', bodyLimit({ maxSize: 4 * 1024, onError: tooBig }));
  app.use('/api/*', bodyLimit({ maxSize: 512 * 1024, onError: tooBig }));
  const logins = gate.logins;
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
  app.get('/api/session', (c) => c.json({ csrf: logins.csrfOf(cookieOf(c.req.header('cookie'))), input: screens?.input ?? false, fleet: config().fleet !== null }));
  controlRoutes(app, config, logins, screens, log);

  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/', (c) => c.html(page()));
  app.get('/task', (c) => c.html(taskPage()));
  app.get('/timeline', (c) => c.html(timelinePage()));
  app.get('/queue', (c) => c.html(queuePage()));
  app.get('/fleet', (c) => c.html(fleetPage()));
  app.get('/screen', (c) => c.html(screenPage()));
  const own = join(AGENTPOOL_DIR, 'src', 'web', 'assets');
  const modules = join(AGENTPOOL_DIR, 'node_modules');
  const js = 'text/javascript; charset=utf-8';
  const css = 'text/css; charset=utf-8';
  const assets: Array<[string, string, string]> = [
    ...['app.js', 'dom.js', 'task.js', 'timeline.js', 'queue.js', 'fleet.js', 'screens.js', 'screen.js'].map((n): [string, string, string] => [n, join(own, n), js]),
    ['app.css', join(own, 'app.css'), css],
    ['diff2html.min.js', join(modules, 'diff2html', 'bundles', 'js', 'diff2html.min.js'), js],
    ['diff2html.min.css', join(modules, 'diff2html', 'bundles', 'css', 'diff2html.min.css'), css],
    ['xterm.js', join(modules, '@xterm', 'xterm', 'lib', 'xterm.js'), js],
    ['xterm.css', join(modules, '@xterm', 'xterm', 'css', 'xterm.css'), css],
  ];
  for (const [name, file, type] of assets) {
    app.get(`/assets/${name}`, async (c) => c.body(await readFile(file, 'utf8'), 200, { 'Content-Type': type }));
  }

  app.get('/api/pool', async (c) => c.json(await poolView(config())));
  app.get('/api/timeline', async (c) => c.json(await timelineView(config(), Number(c.req.query('hours') ?? 24))));
  app.get('/api/queue', async (c) => c.json(await queueView(config())));
  app.get('/api/fleet', async (c) => {
    const d = config();
    return c.json(await fleetPageView(d) ?? { error: `${d.file} has no fleet: section (README: Running a fleet)` });
  });
  app.get('/api/task', async (c) => {
    const d = config();
    const project = c.req.query('project');
    const name = c.req.query('name');
    const row = await findRow(d.projects, project, name);
    if (!row) return c.json({ error: `no task ${project}/${name}` }, 404);
    const facts = row.state === 'done' || row.state === 'failed' ? await readResult(row.path) : row.state === 'active' ? (await readActive(row.path))?.sidecar ?? null : null;
    const text = await readFile(row.path, 'utf8').then((t) => t.slice(0, 1_048_576), () => null);
    const diff = await taskDiff(d, row).catch((err: Error) => ({ error: err.message }));
    const history = facts?.history ?? [];
    // Each ended attempt's saved pane output (its last LOG_SHOWN bytes), as `agentpool logs` prints it.
    const logs = await Promise.all(history.filter((h) => h.log).map(async (h) => ({ attempt: h.attempt, session: h.session, outcome: h.outcome, text: await tail(h.log!, LOG_SHOWN) })));
    const status = await readStatusFile(d.controller.stateDir, statusFreshMs(d.controller.resyncMs));
    return c.json({ task: row, text, history, diff, usage: row.usage, transitions: taskTransitions(status?.status ?? {}, row.path), logs });
  });
  app.get('/api/events', (c) => events(c, feed));
  return app;
}

/** How much of an attempt's saved log the task page shows: its end. */
const LOG_SHOWN = 64 * 1024;

/** The last `bytes` of a file as text, or why it cannot be read. */
async function tail(file: string, bytes: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch((err: Error) => `(the log is gone: ${err.message})`);
  return text.length > bytes ? `…${text.slice(-bytes)}` : text;
}

/** The pool page's stream: the whole view, then what changed (PoolFeed), as server-sent events. */
function events(c: Context, feed: PoolFeed): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const enc = new TextEncoder();
  let stop = () => {};
  const unlisten = feed.listen((delta) => {
    if (delta === null) stop();
    else void writer.write(enc.encode(`event: pool\ndata: ${JSON.stringify(delta)}\n\n`)).catch(() => stop());
  });
  stop = () => {
    unlisten();
    void writer.close().catch(() => {});
  };
  c.req.raw.signal.addEventListener('abort', () => stop());
  return c.body(readable, 200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
}

/**
 * Serves the dashboard on `listen` until close(); rejects when the address cannot be had. `agentpool web`
 * and a controller with `controller.web` both use it. On an address others can reach, every page needs the
 * login (the token in `<stateDir>/web-token`), and the traffic is plain HTTP: the log says to put TLS in
 * front of it.
 */
export async function serveDashboard(desired: DesiredState | (() => DesiredState), listen: { host: string; port: number }, log: Logger, options?: WebOptions): Promise<{ url: string; close(): void }> {
  // A controller passes its config as it is now (a reload's projects show at once); the command line, the file's.
  const config = typeof desired === 'function' ? desired : () => desired;
  const d = config();
  const gate = new Gate(listen, new Logins(await loginToken(d.controller.stateDir)));
  const feed = new PoolFeed(d.controller.stateDir, () => poolView(config()));
  const input = options?.input ?? d.controller.webInput;
  const screens = new Screens(config, input, log);
  const app = await webApp(config, gate, feed, screens, log);
  const { serve } = await import('@hono/node-server');
  const server = serve({ fetch: app.fetch, hostname: listen.host, port: listen.port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${listen.host}:${listen.port}: ${err.code === 'EADDRINUSE' ? 'the port is taken' : err.message}`)));
  });
  const closeScreens = await serveScreens(server as Server, screens, (req: IncomingMessage) => gate.refuses({ host: req.headers.host, origin: req.headers.origin, cookie: req.headers.cookie, path: '/api/screens' }, true), log);
  const url = `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}/`;
  log.info({ url, input }, 'serving the dashboard');
  if (gate.open) log.warn({ url }, `the dashboard listens on an address others can reach: every page needs the login (the token in ${d.controller.stateDir}/web-token), and the traffic is plain HTTP; put TLS in front of it (a reverse proxy) or reach it through an SSH tunnel`);
  return {
    url,
    close: () => {
      closeScreens();
      screens.closeAll();
      feed.close();
      server.close();
      // The pages' event streams stay open otherwise, and the process with them.
      (server as Server).closeAllConnections();
    },
  };
}
