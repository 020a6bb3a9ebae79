/**
 * What every loopback API stand-in shares (fake-anthropic.ts for Claude Code, fake-openai.ts for Codex CLI,
 * fake-gemini.ts for Gemini CLI):
 * an HTTP server on a free 127.0.0.1 port that records each request, a queue of behaviours for the agent's
 * turns (a turn with nothing queued gets a normal answer), and a close that drops open streams. Each API's
 * module says which requests are turns and how each behaviour is rendered in its wire format.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path with query. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The JSON body, parsed; undefined when there was none or it was not JSON. */
  body: any;
  /** A turn of the agent (consumes a behaviour), a side request (a title, a count), or anything else. */
  kind: 'turn' | 'side' | 'other';
  /** The behaviour a turn got. */
  behaviour?: string;
  /** The text of the last user message, for a turn. */
  prompt?: string;
  /** When the request arrived and when its response ended (or broke), epoch ms. */
  at: number;
  finishedAt?: number;
}

/** What a turn gets, in every stand-in's terms. */
export type StandInBehaviour =
  /** A normal streamed answer; `text` defaults to `defaultAnswer` of the prompt. */
  | { kind: 'answer'; text?: string }
  /** A normal answer whose text arrives in `chunks` pieces, `delayMs` apart. */
  | { kind: 'slow'; text?: string; chunks?: number; delayMs: number }
  /** Starts streaming, sends part of the text (after `delayMs`), then destroys the connection. */
  | { kind: 'break'; text?: string; delayMs?: number }
  /** HTTP 500. */
  | { kind: 'server-error' }
  /** HTTP 503. */
  | { kind: 'unavailable' }
  /** HTTP 429 saying the usage limit resets at `resetAt` (epoch ms; a function is called when the turn arrives). */
  | { kind: 'rate-limit'; resetAt: number | (() => number) };

export interface StandIn<B extends { kind: string } = StandInBehaviour> {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Queues behaviours for the next turns, in order. */
  queue(...b: B[]): void;
  pending(): number;
  turns(): RecordedRequest[];
  close(): Promise<void>;
}

/** The text a default answer gives: recognisable, and derived from what was asked. */
export function defaultAnswer(prompt: string): string {
  const tag = /^\[([^\]\n]+)\]/.exec(prompt)?.[1];
  return tag ? `Finished ${tag}: nothing to change.` : 'Hello from the stand-in API.';
}

/**
 * How a turn that streams is streamed, the same in every stand-in: `answer` in one piece, `slow` in
 * `chunks` pieces `delayMs` apart, `break` cut after 8 characters (sent after `delayMs`). null for a behaviour
 * that does not stream.
 */
export function streamedAs(b: { kind: string; text?: string; chunks?: number; delayMs?: number }, prompt: string): { parts: string[]; delayMs: number; cut: boolean } | null {
  const text = b.text ?? defaultAnswer(prompt);
  if (b.kind === 'answer') return { parts: [text], delayMs: 0, cut: false };
  if (b.kind === 'slow') return { parts: pieces(text, b.chunks ?? 4), delayMs: b.delayMs ?? 0, cut: false };
  if (b.kind === 'break') return { parts: [text.slice(0, 8)], delayMs: b.delayMs ?? 0, cut: true };
  return null;
}

/** A rate limit's reset, epoch ms: a function is called when the turn arrives. */
export function resetOf(b: { resetAt: number | (() => number) }): number {
  return typeof b.resetAt === 'function' ? b.resetAt() : b.resetAt;
}

/** `text` in `n` pieces, for a slow stream. */
export function pieces(text: string, n: number): string[] {
  const size = Math.ceil(text.length / Math.max(1, n));
  return Array.from({ length: Math.max(1, n) }, (_, i) => text.slice(i * size, (i + 1) * size)).filter(Boolean);
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Route one request: set `rec.kind` (and `rec.prompt` for a turn), take a behaviour with `next()`, answer. */
export type Route<B> = (req: IncomingMessage, res: ServerResponse, rec: RecordedRequest, next: () => B) => Promise<void>;

export async function startStandIn<B extends { kind: string } = StandInBehaviour>(route: Route<B>, fallback: NoInfer<B>): Promise<StandIn<B>> {
  const requests: RecordedRequest[] = [];
  const behaviours: B[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body, kind: 'other', at: Date.now() };
    requests.push(rec);
    res.on('close', () => (rec.finishedAt = Date.now()));
    await route(req, res, rec, () => {
      const b = behaviours.shift() ?? fallback;
      rec.behaviour = b.kind;
      return b;
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    queue: (...b) => void behaviours.push(...b),
    pending: () => behaviours.length,
    turns: () => requests.filter((r) => r.kind === 'turn'),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export function json(res: ServerResponse, status: number, obj: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(obj));
}

/** Opens a server-sent-events response. */
export function openStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}
