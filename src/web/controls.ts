import type { Context, Hono } from 'hono';
import type { Logger } from 'pino';
import type { DesiredState } from '../config/types.js';
import { isPoolName } from '../config/pool.js';
import { sendRequest, type ControlKind } from '../controls/requests.js';
import { addTask, AddRefused, taskOfText } from '../tasks/add-task.js';
import { findRow } from '../tasks/list.js';
import { cookieOf, type Logins } from './login.js';
import type { Screens } from './screens.js';

/** How long a control waits for the controller to act, as `agentpool cancel` does. */
const REPLY_MS = 20_000;
/** The largest task text the queue page takes (a task is a prompt, not an archive). */
const MAX_TASK_BYTES = 256 * 1024;

const TASK_CONTROLS = new Set(['retry', 'cancel']);
const SESSION_CONTROLS = new Set(['cordon', 'uncordon', 'drain']);

/**
 * The dashboard's controls (issue 28). Each needs the login and its CSRF value. retry, cancel, cordon,
 * uncordon and drain go through the controller's request path as the commands of the same names do, so
 * the controller stays the only writer of tasks and slots; a new task is written into its inbox as
 * `agentpool add` writes it (a person's `mv`); taking control of a pane is refused unless the dashboard was
 * started to allow it, and logged.
 */
export function controlRoutes(app: Hono, config: () => DesiredState, logins: Logins, screens: Screens | null, log: Logger): void {
  const allowed = (c: Context) => logins.allows(cookieOf(c.req.header('cookie')), c.req.header('x-agentpool-csrf'));
  const refuse = (c: Context) => c.json({ ok: false, message: 'log in first (controls need the token)' }, 403);

  app.post('/api/control', async (c) => {
    if (!allowed(c)) return refuse(c);
    const d = config();
    const body = (await c.req.json().catch(() => ({}))) as { kind?: string; project?: string; name?: string; session?: string };
    const kind = String(body.kind ?? '');
    let target: string;
    if (TASK_CONTROLS.has(kind)) {
      const row = await findRow(d.projects, body.project, body.name);
      if (!row) return c.json({ ok: false, message: `no task ${body.project}/${body.name}` }, 404);
      target = row.path;
    } else if (SESSION_CONTROLS.has(kind)) {
      if (!body.session || !isPoolName(d, body.session)) return c.json({ ok: false, message: `${body.session} is not a session of the pool` }, 404);
      target = body.session;
    } else {
      return c.json({ ok: false, message: `no control "${kind}" (retry, cancel, cordon, uncordon, drain)` }, 400);
    }
    // Drain is a cordon the page then watches: the session finishes its task and takes no other.
    const reply = await sendRequest(d.controller.stateDir, (kind === 'drain' ? 'cordon' : kind) as ControlKind, target, REPLY_MS);
    log.info({ control: kind, target, ok: reply?.ok ?? null }, 'web: control asked');
    if (!reply) return c.json({ ok: false, message: 'the controller did not act on the request in time (is it running?)' }, 409);
    const message = kind === 'drain' && reply.ok ? `${reply.message}; it finishes its task, then stays idle` : reply.message;
    return c.json({ ok: reply.ok, message }, reply.ok ? 200 : 409);
  });

  app.post('/api/add', async (c) => {
    if (!allowed(c)) return refuse(c);
    const d = config();
    const body = (await c.req.json().catch(() => ({}))) as { project?: string; text?: string; name?: string };
    const project = d.projects.find((p) => p.name === body.project);
    if (!project) return c.json({ ok: false, message: `no project "${body.project}" in ${d.file}` }, 404);
    const text = String(body.text ?? '');
    if (Buffer.byteLength(text) > MAX_TASK_BYTES) return c.json({ ok: false, message: `the task is larger than ${MAX_TASK_BYTES / 1024} KB` }, 413);
    const name = body.name ? String(body.name) : undefined;
    try {
      const got = await addTask(d, project, taskOfText(text), name);
      log.info({ project: project.name, task: got }, 'web: task added');
      return c.json({ ok: true, message: `${project.name}/${got}`, name: got });
    } catch (err) {
      if (!(err instanceof AddRefused)) throw err;
      return c.json({ ok: false, message: err.message }, err.code === 2 ? 400 : 500);
    }
  });

  app.post('/api/take', async (c) => {
    if (!allowed(c)) return refuse(c);
    const d = config();
    const body = (await c.req.json().catch(() => ({}))) as { session?: string; on?: boolean };
    if (!screens?.input) return c.json({ ok: false, message: 'taking control is off: start the dashboard with --allow-input (or controller.webInput: true)' }, 403);
    if (!body.session || !isPoolName(d, body.session)) return c.json({ ok: false, message: `${body.session} is not a session of the pool` }, 404);
    const who = cookieOf(c.req.header('cookie'))!;
    screens.take(who, body.session, body.on !== false);
    return c.json({ ok: true, message: body.on !== false ? `you have control of ${body.session}: what you type goes to its agent` : `released ${body.session}` });
  });
}
