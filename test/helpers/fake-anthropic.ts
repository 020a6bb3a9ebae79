/**
 * A loopback stand-in for the Anthropic Messages API, good enough for the real Claude Code CLI to finish a
 * turn offline: `POST /v1/messages` answered with the standard streaming events, `HEAD /` answered, side
 * requests (title generation, quota probes, token counts) answered at once. Each test starts its own on a
 * free 127.0.0.1 port and queues behaviours for the agent's turns (`answer`, `overloaded`, `server-error`,
 * `rate-limit`, `slow`, `break`); a turn with nothing queued gets a normal answer. Every request is
 * recorded (method, path, headers, parsed body) so a test can assert what the agent was asked.
 */
import type { ServerResponse } from 'node:http';
import { defaultAnswer, json as sendJson, pause, resetOf, startStandIn, streamedAs, type RecordedRequest, type StandIn } from './stand-in.js';

export { defaultAnswer, type RecordedRequest };

export type Behaviour =
  /** A normal streamed answer; `text` defaults to a function of the last user message. */
  | { kind: 'answer'; text?: string }
  /** A streamed call of the Bash tool with `command` (the CLI runs it and asks again with its result); 25 output tokens. */
  | { kind: 'tool'; command: string }
  /** HTTP 529 overloaded_error. */
  | { kind: 'overloaded' }
  /** HTTP 500 api_error. */
  | { kind: 'server-error' }
  /**
   * HTTP 429 rate_limit_error with the headers the real API sends: `retry-after` (seconds), the RFC 3339
   * `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-reset`, and (unless `unified: false`)
   * the subscription ones Claude Code reads: `anthropic-ratelimit-unified-status: rejected`,
   * `-unified-reset` (epoch seconds) and `-unified-representative-claim` (default `five_hour`). A function
   * is called when the turn arrives, for a reset relative to that moment.
   */
  | { kind: 'rate-limit'; resetAt: number | (() => number); unified?: boolean; claim?: string }
  /** A normal answer whose text arrives in `chunks` pieces, `delayMs` apart. */
  | { kind: 'slow'; text?: string; chunks?: number; delayMs: number }
  /** Starts streaming, sends part of the text, then destroys the connection. */
  | { kind: 'break'; text?: string };

/** `url` is for ANTHROPIC_BASE_URL; `turns()` are the agent's turns (POST /v1/messages that were not side requests). */
export type FakeAnthropic = StandIn<Behaviour>;

/** The text of the last user message of a Messages request body, without system reminders the CLI adds. */
export function lastUserText(body: any): string {
  const msgs: any[] = Array.isArray(body?.messages) ? body.messages : [];
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i];
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    const texts = (Array.isArray(m.content) ? m.content : [])
      .filter((c: any) => c?.type === 'text' && typeof c.text === 'string' && !c.text.startsWith('<system-reminder>'))
      .map((c: any) => c.text as string);
    if (texts.length) return texts[texts.length - 1]!;
  }
  return '';
}

/**
 * A side request is one the CLI makes besides the turn itself: a title/summary generation (no tools, a
 * small max_tokens), a quota probe, a token count. They never consume a queued behaviour.
 */
function isSideRequest(path: string, body: any): boolean {
  if (!path.startsWith('/v1/messages')) return true;
  if (path.startsWith('/v1/messages/count_tokens')) return true;
  if (!body || typeof body !== 'object') return true;
  const tools = Array.isArray(body.tools) ? body.tools.length : 0;
  return tools === 0;
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  let nextId = 1;
  return startStandIn<Behaviour>(async (req, res, rec, next) => {
    const { path, body } = rec;
    if (req.method === 'HEAD' || req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.method === 'GET' ? '{}' : undefined);
      return;
    }
    if (req.method !== 'POST' || !path.startsWith('/v1/')) {
      return json(res, 404, { type: 'error', error: { type: 'not_found_error', message: `no route ${req.method} ${path}` } });
    }
    if (path.startsWith('/v1/messages/count_tokens')) {
      rec.kind = 'side';
      return json(res, 200, { input_tokens: 100 });
    }
    if (!path.startsWith('/v1/messages')) return json(res, 404, { type: 'error', error: { type: 'not_found_error', message: 'not here' } });
    const prompt = lastUserText(body);
    if (isSideRequest(path, body)) {
      rec.kind = 'side';
      const text = /title/i.test(JSON.stringify(body?.system ?? '')) ? '{"title": "Agentpool task"}' : 'ok';
      return body?.stream ? stream(res, body, [text]) : json(res, 200, message(body, text));
    }
    rec.kind = 'turn';
    rec.prompt = prompt;
    const b = next();
    if (b.kind === 'answer' && body?.stream === false) return json(res, 200, message(body, b.text ?? defaultAnswer(prompt)));
    if (b.kind === 'tool') return streamTool(res, body, b.command);
    const plan = streamedAs(b, prompt);
    if (plan) return stream(res, body, plan.parts, plan.delayMs, plan.cut);
    switch (b.kind) {
      case 'overloaded':
        return json(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
      case 'server-error':
        return json(res, 500, { type: 'error', error: { type: 'api_error', message: 'Internal server error' } });
      case 'rate-limit': {
        const resetAt = resetOf(b);
        const iso = new Date(resetAt).toISOString();
        const headers: Record<string, string> = {
          'retry-after': String(Math.max(0, Math.ceil((resetAt - Date.now()) / 1000))),
          'anthropic-ratelimit-requests-limit': '50',
          'anthropic-ratelimit-requests-remaining': '0',
          'anthropic-ratelimit-requests-reset': iso,
          'anthropic-ratelimit-tokens-limit': '40000',
          'anthropic-ratelimit-tokens-remaining': '0',
          'anthropic-ratelimit-tokens-reset': iso,
          'anthropic-ratelimit-input-tokens-reset': iso,
          'anthropic-ratelimit-output-tokens-reset': iso,
        };
        if (b.unified !== false) {
          headers['anthropic-ratelimit-unified-status'] = 'rejected';
          headers['anthropic-ratelimit-unified-reset'] = String(Math.floor(resetAt / 1000));
          headers['anthropic-ratelimit-unified-representative-claim'] = b.claim ?? 'five_hour';
        }
        return json(res, 429, { type: 'error', error: { type: 'rate_limit_error', message: 'This request would exceed your account\'s rate limit. Please try again later.' } }, headers);
      }
    }
  }, { kind: 'answer' });

  function message(body: any, text: string) {
    return {
      id: `msg_fake_${nextId++}`,
      type: 'message',
      role: 'assistant',
      model: body?.model ?? 'claude-fake',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: Math.max(1, Math.ceil(text.length / 4)) },
    };
  }

  async function stream(res: ServerResponse, body: any, parts: string[], delayMs = 0, breakAfter = false): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_fake_${nextId}` });
    const send = (event: string, data: object) => res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
    const text = parts.join('');
    const m = message(body, '');
    send('message_start', { message: { ...m, content: [], stop_reason: null, usage: { input_tokens: 10, output_tokens: 1 } } });
    send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    send('ping', {});
    for (const p of parts) {
      if (delayMs) await pause(delayMs);
      if (res.destroyed) return;
      send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: p } });
    }
    if (breakAfter) {
      // Mid-stream: no content_block_stop, no message_stop; the connection just goes.
      res.socket?.destroy();
      return;
    }
    send('content_block_stop', { index: 0 });
    send('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: Math.max(1, Math.ceil(text.length / 4)) } });
    send('message_stop', {});
    res.end();
  }

  /** A turn that calls the Bash tool: input 10, output 25 tokens. */
  function streamTool(res: ServerResponse, body: any, command: string): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_fake_${nextId}` });
    const send = (event: string, data: object) => res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
    const m = message(body, '');
    send('message_start', { message: { ...m, content: [], stop_reason: null, usage: { input_tokens: 10, output_tokens: 1 } } });
    send('content_block_start', { index: 0, content_block: { type: 'tool_use', id: `toolu_fake_${nextId++}`, name: 'Bash', input: {} } });
    send('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify({ command, description: 'Run the step' }) } });
    send('content_block_stop', { index: 0 });
    send('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 25 } });
    send('message_stop', {});
    res.end();
  }

  function json(res: ServerResponse, status: number, obj: object, headers: Record<string, string> = {}): void {
    sendJson(res, status, obj, { 'request-id': `req_fake_${nextId++}`, ...headers });
  }
}
