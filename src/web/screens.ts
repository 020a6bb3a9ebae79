import { execFile } from 'node:child_process';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { DesiredState } from '../config/types.js';
import { isPoolName } from '../config/pool.js';
import { socketArgs } from '../tmux/client.js';
import { tmuxEnv } from '../tmux/exec-client.js';
import { PaneViewer, type ScreenSnapshot } from '../tmux/pane-viewer.js';
import { cookieOf } from './login.js';

/** The most sessions watched at once, whatever the number of pages (each is a tmux client). */
const MAX_SCREENS = 48;
/** A page that reads slower than its agents write gets a fresh paint once it caught up, instead of a backlog. */
const MAX_BUFFERED = 1 << 20;
/** The most one page asks to watch, and the most one message types. */
const MAX_WATCH = 64;
const MAX_INPUT = 4_096;
/** Typing is logged per session once it paused this long: how much, never what. */
const TYPED_LOG_MS = 2_000;

export interface ScreenWatcher {
  reset(s: ScreenSnapshot): void;
  output(bytes: Buffer): void;
  end(why: string): void;
}

/**
 * The agents' screens for the dashboard (issue 28): one read-only viewer per watched session (a tmux
 * client that never types and never sizes the pane), shared by every page watching it, ended when the last
 * one stops. Taking control of a pane is off unless the dashboard was started with it, and then explicit
 * per login and session, and logged; what is typed goes in as keys (send-keys -H), never as words tmux reads.
 */
export class Screens {
  private readonly views = new Map<string, { viewer: PaneViewer; watchers: Set<ScreenWatcher> }>();
  /** Login session → the pool sessions it has taken control of. */
  private readonly taken = new Map<string, Set<string>>();
  private readonly typed = new Map<string, { bytes: number; timer: NodeJS.Timeout }>();
  /** Per session: the keys waiting for the tmux that sends the ones before them. */
  private readonly keys = new Map<string, { pending: Buffer[]; busy: boolean }>();

  constructor(private readonly config: () => DesiredState, readonly input: boolean, private readonly log: Logger) {}

  /** Starts sending `session`'s screen to `w` (a paint first); returns how to stop, or why it cannot. */
  watch(session: string, w: ScreenWatcher): (() => void) | string {
    if (!isPoolName(this.config(), session)) return `${session} is not a session of the pool`;
    let view = this.views.get(session);
    if (!view) {
      if (this.views.size >= MAX_SCREENS) return `${MAX_SCREENS} screens are watched already: close some`;
      const watchers = new Set<ScreenWatcher>();
      const viewer = new PaneViewer(this.config().tmux, session, {
        reset: (s) => watchers.forEach((x) => x.reset(s)),
        output: (b) => watchers.forEach((x) => x.output(b)),
        end: (why) => {
          this.views.delete(session);
          watchers.forEach((x) => x.end(why));
        },
      });
      view = { viewer, watchers };
      this.views.set(session, view);
    } else {
      view.viewer.resync();
    }
    view.watchers.add(w);
    const v = view;
    return () => {
      v.watchers.delete(w);
      if (v.watchers.size === 0 && this.views.get(session) === v) {
        this.views.delete(session);
        v.viewer.close();
      }
    };
  }

  /** A fresh paint of `session` for everyone watching it (a page that fell behind). */
  resync(session: string): void {
    this.views.get(session)?.viewer.resync();
  }

  take(who: string, session: string, on: boolean): void {
    const set = this.taken.get(who) ?? new Set<string>();
    if (on) set.add(session);
    else set.delete(session);
    this.taken.set(who, set);
    this.log.warn({ session, login: who.slice(0, 8) }, on ? 'web: a page took control of a pane: what it types goes to the agent' : 'web: a page released its control of a pane');
  }

  mayType(who: string | undefined, session: string): boolean {
    return this.input && who !== undefined && (this.taken.get(who)?.has(session) ?? false);
  }

  /**
   * Types `data` into `session`'s pane as the bytes it is (keys, not words: `;` or `#{...}` mean nothing),
   * in order: one tmux at a time per session, with what came meanwhile sent together next.
   */
  type(session: string, data: string): void {
    const bytes = Buffer.from(data, 'utf8');
    if (bytes.length === 0) return;
    const q = this.keys.get(session) ?? { pending: [] as Buffer[], busy: false };
    this.keys.set(session, q);
    q.pending.push(bytes);
    const next = () => {
      if (q.busy || q.pending.length === 0) return;
      const hex = [...Buffer.concat(q.pending.splice(0))].map((b) => b.toString(16).padStart(2, '0'));
      q.busy = true;
      execFile('tmux', [...socketArgs(this.config().tmux), 'send-keys', '-t', `=${session}:`, '-H', ...hex], { env: tmuxEnv(), timeout: 5_000 }, (err) => {
        if (err) this.log.warn({ session, err: err.message }, 'web: typing into the pane failed');
        q.busy = false;
        next();
      });
    };
    next();
    const t = this.typed.get(session) ?? { bytes: 0, timer: setTimeout(() => {}, 0) };
    clearTimeout(t.timer);
    t.bytes += bytes.length;
    t.timer = setTimeout(() => {
      this.typed.delete(session);
      this.log.info({ session, bytes: t.bytes }, 'web: typed into a pane');
    }, TYPED_LOG_MS);
    this.typed.set(session, t);
  }

  closeAll(): void {
    for (const v of this.views.values()) v.viewer.close();
    this.views.clear();
    for (const [session, t] of this.typed) {
      clearTimeout(t.timer);
      this.log.info({ session, bytes: t.bytes }, 'web: typed into a pane');
    }
    this.typed.clear();
  }
}

/**
 * The screens' WebSocket, `/api/screens` on the dashboard's server: a page says which sessions it shows
 * (`{"watch": [...]}`) and gets each one's paint and output (`{"t":"reset"|"out"|"end", "s": session, ...}`);
 * with control taken, `{"input": {"session", "data"}}` types. Every upgrade is checked like a request
 * (`refuses`: Host, an Origin that must be sent, the login where one is needed): a WebSocket is not bound by
 * the same-origin policy, so another site's page could otherwise open one (WebSocket hijacking).
 */
export async function serveScreens(server: Server, screens: Screens, refuses: (req: IncomingMessage) => { status: number; why: string } | null, log: Logger): Promise<() => void> {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node leaves an upgraded socket without its error listener: a client's reset must not end the process.
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const refused = path === '/api/screens' ? refuses(req) : { status: 404, why: 'no such WebSocket' };
    if (refused) {
      log.warn({ host: req.headers.host, origin: req.headers.origin, path }, `web: refused a WebSocket: ${refused.why}`);
      socket.end(`HTTP/1.1 ${refused.status} Refused\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${refused.why}\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // A bad frame (too big, not UTF-8) is an error on the socket: that page's connection ends, nothing else.
      ws.on('error', () => ws.terminate());
      const who = cookieOf(req.headers.cookie);
      const watching = new Map<string, () => void>();
      const behind = new Set<string>();
      const send = (m: object) => ws.send(JSON.stringify(m));
      const watcherOf = (s: string): ScreenWatcher => ({
        reset: (x) => {
          behind.delete(s);
          send({ t: 'reset', s, cols: x.cols, rows: x.rows, paint: x.paint });
        },
        output: (b) => {
          if (behind.has(s)) return;
          if (ws.bufferedAmount > MAX_BUFFERED) {
            behind.add(s);
            // Once the page read what it has, one paint instead of the backlog.
            const again = setInterval(() => {
              if (ws.readyState !== ws.OPEN) clearInterval(again);
              else if (ws.bufferedAmount < MAX_BUFFERED / 4) {
                clearInterval(again);
                screens.resync(s);
              }
            }, 200);
            return;
          }
          send({ t: 'out', s, d: b.toString('base64') });
        },
        end: (why) => {
          watching.delete(s);
          send({ t: 'end', s, why });
        },
      });
      ws.on('message', (raw) => {
        let m: { watch?: unknown; input?: { session?: unknown; data?: unknown } };
        try {
          m = JSON.parse(String(raw)) as typeof m;
        } catch {
          return;
        }
        if (Array.isArray(m.watch)) {
          const want = new Set(m.watch.filter((s): s is string => typeof s === 'string').slice(0, MAX_WATCH));
          for (const [s, stop] of watching) if (!want.has(s)) (stop(), watching.delete(s));
          for (const s of want) {
            if (watching.has(s)) continue;
            const got = screens.watch(s, watcherOf(s));
            if (typeof got === 'string') send({ t: 'end', s, why: got });
            else watching.set(s, got);
          }
        } else if (m.input && typeof m.input.session === 'string' && typeof m.input.data === 'string') {
          if (screens.mayType(who, m.input.session)) screens.type(m.input.session, m.input.data.slice(0, MAX_INPUT));
          else send({ t: 'refused', s: m.input.session, why: 'take control of the pane first' });
        }
      });
      ws.on('close', () => {
        for (const stop of watching.values()) stop();
        watching.clear();
      });
    });
  };
  server.on('upgrade', onUpgrade);
  return () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
  };
}
