import { cookieOf, type Logins } from './login.js';

/**
 * Who may ask what (issue 28). On a loopback address a request's Host must name this server by the address
 * it listens on (a page of another site whose name resolves to 127.0.0.1, DNS rebinding, is refused), and
 * reading needs no login; on another address (reachable by others) every request but the login needs one,
 * and the Host is whatever name people reach it by. Either way an Origin, when sent, must be the server's own
 * as the request names it (no CORS: another site's page can neither read nor post), a WebSocket must send
 * one, and controls need the login and its CSRF value.
 */
export class Gate {
  readonly open: boolean;
  private readonly hosts: Set<string>;

  constructor(listen: { host: string; port: number }, readonly logins: Logins) {
    this.open = !isLoopbackHost(listen.host);
    const h = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
    this.hosts = new Set([`${h}:${listen.port}`, `localhost:${listen.port}`, `127.0.0.1:${listen.port}`, `[::1]:${listen.port}`]);
  }

  /** Why a request is refused, or null: its Host, its Origin (required for a WebSocket), its login. */
  refuses(r: { host: string | undefined; origin: string | undefined; cookie: string | undefined; path: string }, websocket = false): { status: 401 | 403; why: string } | null {
    const host = r.host ?? '';
    if (!this.open && !this.hosts.has(host)) return { status: 403, why: `this server answers to ${[...this.hosts][0]} only (a page of another site that resolves its name here, DNS rebinding?)` };
    if ((r.origin !== undefined || websocket) && r.origin !== `http://${host}` && r.origin !== `https://${host}`) return { status: 403, why: 'requests from other sites are refused' };
    if (this.open && !this.loggedIn(r.cookie) && !PUBLIC.has(r.path)) return { status: 401, why: 'this dashboard listens on an address others can reach: log in with the token first' };
    return null;
  }

  loggedIn(cookie: string | undefined): boolean {
    return this.logins.csrfOf(cookieOf(cookie)) !== null;
  }
}

/** What a page that is not logged in may load on an address others can reach: the login, its style and script. */
const PUBLIC = new Set(['/login', '/assets/app.css', '/assets/dom.js']);

/** Whether `host` is a loopback address (reachable from this machine only). */
export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

