import { describe, expect, it } from 'vitest';
import { Gate, isLoopbackHost } from '../../src/web/gate.js';
import { Logins } from '../../src/web/login.js';

const token = 'a'.repeat(48);

describe('Gate', () => {
  it('on loopback: the Host must name the server, an Origin must be its own (and a WebSocket must send one); reading needs no login', () => {
    const g = new Gate({ host: '127.0.0.1', port: 7420 }, new Logins(token));
    const r = (host: string, origin?: string) => ({ host, origin, cookie: undefined, path: '/api/pool' });
    expect(g.refuses(r('127.0.0.1:7420'))).toBeNull();
    expect(g.refuses(r('localhost:7420'))).toBeNull();
    expect(g.refuses(r('evil.example:7420'))).toMatchObject({ status: 403, why: expect.stringMatching(/DNS rebinding/) });
    expect(g.refuses(r('127.0.0.1:7420', 'http://evil.example'))).toMatchObject({ status: 403 });
    expect(g.refuses(r('127.0.0.1:7420', 'http://127.0.0.1:7420'))).toBeNull();
    expect(g.refuses(r('127.0.0.1:7420'), true)).toMatchObject({ status: 403, why: 'requests from other sites are refused' });
    expect(g.refuses(r('127.0.0.1:7420', 'http://127.0.0.1:7420'), true)).toBeNull();
  });

  it('on an address others can reach: every request but the login needs one, whatever name reaches it; an Origin still its own', () => {
    const logins = new Logins(token);
    const g = new Gate({ host: '0.0.0.0', port: 7420 }, logins);
    expect(g.open).toBe(true);
    const r = (path: string, cookie?: string, origin?: string) => ({ host: 'build-1.lan:7420', origin, cookie, path });
    expect(g.refuses(r('/api/pool'))).toMatchObject({ status: 401 });
    expect(g.refuses(r('/'))).toMatchObject({ status: 401 });
    expect(g.refuses(r('/login'))).toBeNull();
    expect(g.refuses(r('/api/pool', 'agentpool=0123'))).toMatchObject({ status: 401 });
    const session = logins.login(token)!.session;
    expect(g.refuses(r('/api/pool', `agentpool=${session}`))).toBeNull();
    expect(g.refuses(r('/api/pool', `agentpool=${session}`, 'https://build-1.lan:7420'))).toBeNull();
    expect(g.refuses(r('/api/pool', `agentpool=${session}`, 'http://evil.example'))).toMatchObject({ status: 403 });
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.3.2.1', 'localhost', '::1'].map(isLoopbackHost)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.5', 'build-1'].map(isLoopbackHost)).toEqual([false, false, false, false]);
  });
});
