/**
 * The allow-listed proxy a sandboxed agent reaches remote hosts through (src/sandbox/bwrap.ts starts one per
 * sandbox, outside it, ended with it): `node proxy.js <unix socket> <host:port>...`. It listens on the UNIX
 * socket that the sandbox's loopback relay connects to, and takes HTTP CONNECT (what HTTPS_PROXY clients
 * send) and plain http:// requests to an allowed host and port; anything else gets 403, and a line on
 * stderr, which the sandbox sends to its session's denied log (the attempt's record lists it). A standalone
 * program: it imports nothing of agentpool, so it starts in the time Node starts.
 */
import { createServer, request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { rmSync } from 'node:fs';

const [socket, ...allowList] = process.argv.slice(2);
if (!socket) {
  process.stderr.write('usage: proxy.js <unix socket> <host:port>...\n');
  process.exit(2);
}
const allowed = new Set(allowList.map((a) => a.toLowerCase()));
const refuse = (what: string) => process.stderr.write(`${new Date().toISOString()} refused a connection to ${what}: not in sandbox.allow\n`);

const server = createServer((req, res) => {
  // A plain http:// request through the proxy: the absolute URL names where it goes.
  const url = URL.canParse(req.url ?? '') ? new URL(req.url!) : null;
  const target = url && url.protocol === 'http:' ? `${url.hostname}:${url.port || '80'}`.toLowerCase() : null;
  if (!url || !target || !allowed.has(target)) {
    refuse(target ?? String(req.url));
    res.writeHead(403).end('refused by the agent sandbox\n');
    return;
  }
  const out = request({ host: url.hostname, port: Number(url.port || 80), path: `${url.pathname}${url.search}`, method: req.method, headers: req.headers }, (r: IncomingMessage) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  out.on('error', () => res.writeHead(502).end());
  req.pipe(out);
});

server.on('connect', (req, client, head) => {
  const target = String(req.url ?? '').toLowerCase();
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  if (!allowed.has(target) || !host || !port) {
    refuse(target);
    client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    return;
  }
  const upstream = connect(port, host, () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
  client.on('error', () => upstream.destroy());
});

rmSync(socket, { force: true });
server.listen(socket);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => process.exit(0));
