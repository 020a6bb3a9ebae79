import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Who asks: the login session its cookie names (undefined without one). */
export const cookieOf = (header: string | undefined): string | undefined => /(?:^|;\s*)agentpool=([0-9a-f]+)/.exec(header ?? '')?.[1];

/** Where the dashboard's login token is kept: made on the first start, readable by its owner only. */
export const tokenFile = (stateDir: string): string => join(stateDir, 'web-token');

/** The login token, made (and kept) on the first call. */
export async function loginToken(stateDir: string): Promise<string> {
  const file = tokenFile(stateDir);
  const kept = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (kept) return kept;
  const token = randomBytes(24).toString('hex');
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' }).catch(() => {});
  return (await readFile(file, 'utf8')).trim();
}

/**
 * The dashboard's logins: a token exchanged for a session (its cookie, HttpOnly and SameSite=Strict, never
 * the token in a URL), each with a CSRF value its page sends with every control, in memory (a restart logs
 * everyone out).
 */
export class Logins {
  private readonly sessions = new Map<string, string>();

  constructor(private readonly token: string) {}

  /** A new session for the right token, else null. */
  login(given: string): { session: string; csrf: string } | null {
    const a = Buffer.from(given);
    const b = Buffer.from(this.token);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
    const session = randomBytes(24).toString('hex');
    const csrf = randomBytes(24).toString('hex');
    this.sessions.set(session, csrf);
    return { session, csrf };
  }

  /** The session's CSRF value, or null when there is no such session. */
  csrfOf(session: string | undefined): string | null {
    return (session && this.sessions.get(session)) ?? null;
  }

  /** Whether a control comes from a logged-in page: its session, and the CSRF value that session was given. */
  allows(session: string | undefined, csrf: string | undefined): boolean {
    const expected = this.csrfOf(session);
    if (!expected || !csrf) return false;
    const a = Buffer.from(csrf);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
