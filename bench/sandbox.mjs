#!/usr/bin/env node
// What the sandbox adds to an agent's start (issue 25): the same program started N times directly and in
// the sandbox agentpool lays out for it (src/sandbox/: bubblewrap, its mounts and namespaces), without and
// with one allowed loopback address (socat relays outside and inside, the inside one up before the program
// starts), and with remote hosts allowed (the proxy, a Node process outside, started beside the program,
// not before it). The program is `node -e 0`, the start of a Node CLI without its own work; wall time from
// spawn to exit, median and p90, and the ratio to starting it directly, all in this one process. Then the
// same for a program whose first act is a connection, direct or through the proxy: what an agent that
// reaches the network at once waits for. Asserts nothing.
//
//   node bench/sandbox.mjs          N=40
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib.mjs';

const N = Number(process.env.N ?? 40);
// Built as the bins are (tsc, then the bundle): tsc alone would leave dist/ looking current to the tests' build while the bundle is stale.
spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
const { sandboxArgv } = await import(pathToFileURL(join(ROOT, 'dist/sandbox/bwrap.js')).href);
const { sandboxProblem } = await import(pathToFileURL(join(ROOT, 'dist/sandbox/probe.js')).href);
const problem = await sandboxProblem();
if (problem) {
  console.log(`no sandbox here: ${problem}`);
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'agentpool-bench-sandbox-'));
const project = join(dir, 'project');
const state = join(dir, 'state');
const net = join(state, 'sessions', 's1', 'net');
mkdirSync(project, { recursive: true });
mkdirSync(net, { recursive: true });
const layout = {
  cwd: project, writable: [project, net], readable: [join(state, 'sessions', 's1'), ROOT], hiddenDirs: [state], hiddenFiles: [],
  forwards: [],
};
const program = [process.execPath, '-e', '0'];
const runs = {
  direct: program,
  sandboxed: sandboxArgv(layout, program),
  'sandboxed, 1 allowed address': sandboxArgv({ ...layout, forwards: [{ host: '127.0.0.1', port: 47_123, socket: join(net, '47123.s') }] }, program),
  'sandboxed, remote hosts (proxy)': sandboxArgv({
    ...layout,
    proxy: { socket: join(net, 'proxy.s'), allow: ['api.anthropic.com:443'], port: 43_128, command: [process.execPath, join(ROOT, 'dist', 'sandbox', 'proxy.js')], log: join(net, 'denied.log') },
  }, program),
};

const time = (argv) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: project, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${argv.slice(0, 3).join(' ')} … exited ${r.status}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p90: s[Math.floor(s.length * 0.9)] };
};

const results = {};
for (const name of Object.keys(runs)) time(runs[name]); // warm the page cache
for (const name of Object.keys(runs)) results[name] = [];
for (let i = 0; i < N; i++) for (const [name, argv] of Object.entries(runs)) results[name].push(time(argv));
const base = stats(results.direct).median;
console.log(`start of \`node -e 0\`, ${N} runs each (interleaved), wall ms:`);
for (const [name, xs] of Object.entries(results)) {
  const { median, p90 } = stats(xs);
  console.log(`  ${name.padEnd(31)} median ${median.toFixed(1).padStart(6)}  p90 ${p90.toFixed(1).padStart(6)}  ×${(median / base).toFixed(2)}  (+${(median - base).toFixed(1)} ms)`);
}

// The proxy is not waited for: a program that reaches the network at once waits for it on its first
// connection instead. Start → a first connection made (direct) or tunnelled through the proxy (CONNECT
// answered 200), to a port listening on this host (the kernel completes the connection; nothing accepts).
const target = createServer().listen(0, '127.0.0.1');
await new Promise((r) => target.once('listening', r));
const port = target.address().port;
const connectOnce = `const net = require('net'); const p = process.env.HTTPS_PROXY;
if (p) { const u = new URL(p); const s = net.connect(+u.port, u.hostname, () => s.write('CONNECT 127.0.0.1:${port} HTTP/1.1\\r\\nHost: 127.0.0.1:${port}\\r\\n\\r\\n'));
  s.on('data', (d) => process.exit(/^HTTP\\/1.1 200/.test(String(d)) ? 0 : 3)); s.on('error', () => process.exit(4)); }
else { const s = net.connect(${port}, '127.0.0.1', () => process.exit(0)); s.on('error', () => process.exit(4)); }`;
const first = [process.execPath, '-e', connectOnce];
const firstRuns = {
  direct: first,
  'sandboxed, through the proxy': sandboxArgv({ ...layout, proxy: { socket: join(net, 'proxy.s'), allow: [`127.0.0.1:${port}`], port: 43_128, command: [process.execPath, join(ROOT, 'dist', 'sandbox', 'proxy.js')], log: join(net, 'denied.log') } }, first),
};
for (const name of Object.keys(firstRuns)) time(firstRuns[name]);
const firstResults = Object.fromEntries(Object.keys(firstRuns).map((n) => [n, []]));
for (let i = 0; i < N; i++) for (const [name, argv] of Object.entries(firstRuns)) firstResults[name].push(time(argv));
const firstBase = stats(firstResults.direct).median;
console.log(`start → a first connection made (node), ${N} runs each (interleaved), wall ms:`);
for (const [name, xs] of Object.entries(firstResults)) {
  const { median, p90 } = stats(xs);
  console.log(`  ${name.padEnd(31)} median ${median.toFixed(1).padStart(6)}  p90 ${p90.toFixed(1).padStart(6)}  ×${(median / firstBase).toFixed(2)}  (+${(median - firstBase).toFixed(1)} ms)`);
}
target.close();
rmSync(dir, { recursive: true, force: true });
