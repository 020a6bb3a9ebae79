/**
 * A loopback stand-in for the OpenAI Responses API, good enough for the real Codex CLI to finish a turn
 * offline (docs/research/codex-gemini-cli.md, A2): `POST /v1/responses` answered with the streaming events
 * Codex parses (response.created, output_item.added, output_text.delta, output_item.done,
 * response.completed). The thread-title request Codex makes beside the first turn is a side request. A
 * usage limit is the 429 Codex reads as one: `{"error":{"type":"usage_limit_reached","resets_at":<s>}}`.
 */
import type { ServerResponse } from 'node:http';
import { json, openStream, pause, resetOf, startStandIn, streamedAs, type StandIn, type StandInBehaviour } from './stand-in.js';

/** The shared behaviours, and a call of the shell tool with `command` (the CLI runs it and asks again): 25 output tokens. */
export type OpenAIBehaviour = StandInBehaviour | { kind: 'tool'; command: string };

/** The text of the last user message of a Responses request, skipping the context Codex adds (`<environment_context>` …). */
export function lastInputText(body: any): string {
  const items: any[] = Array.isArray(body?.input) ? body.input : [];
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i];
    if (it?.role !== 'user') continue;
    const texts = (Array.isArray(it.content) ? it.content : [])
      .filter((c: any) => c?.type === 'input_text' && typeof c.text === 'string' && !/^\s*<[\w_-]+>/.test(c.text) && !c.text.startsWith('# AGENTS.md'))
      .map((c: any) => c.text as string);
    if (texts.length) return texts[texts.length - 1]!;
  }
  return '';
}

/** Codex asks for a thread title in a request of its own, marked in `x-codex-turn-metadata`. */
function isTitleRequest(headers: Record<string, unknown>): boolean {
  return /"thread_source"\s*:\s*"thread_title"/.test(String(headers['x-codex-turn-metadata'] ?? ''));
}

export async function startFakeOpenAI(): Promise<StandIn<OpenAIBehaviour>> {
  let nextId = 1;
  return startStandIn<OpenAIBehaviour>(async (req, res, rec, next) => {
    if (req.method !== 'POST' || !rec.path.startsWith('/v1/responses')) {
      return json(res, 404, { error: { type: 'not_found', message: `no route ${req.method} ${rec.path}` } });
    }
    if (isTitleRequest(req.headers)) {
      rec.kind = 'side';
      return stream(res, ['Agentpool task']);
    }
    rec.kind = 'turn';
    rec.prompt = lastInputText(rec.body);
    const b = next();
    if (b.kind === 'tool') return streamTool(res, rec.body, b.command);
    const plan = streamedAs(b, rec.prompt);
    if (plan) return stream(res, plan.parts, plan.delayMs, plan.cut);
    switch (b.kind) {
      case 'server-error':
        return json(res, 500, { error: { type: 'server_error', message: 'The server had an error while processing your request.' } });
      case 'unavailable':
        return json(res, 503, { error: { type: 'service_unavailable', message: 'The service is temporarily unavailable.' } });
      case 'rate-limit':
        return json(res, 429, { error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', resets_at: Math.floor(resetOf(b) / 1000) } });
    }
  }, { kind: 'answer' });

  /** A turn that calls the shell tool the request offers (its name and arguments as that tool takes them): input 10, output 25 tokens. */
  function streamTool(res: ServerResponse, body: any, command: string): void {
    const id = nextId++;
    openStream(res);
    const send = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    const names: string[] = (Array.isArray(body?.tools) ? body.tools : []).map((t: any) => t?.name ?? t?.type);
    const item = names.includes('exec_command')
      ? { type: 'function_call', id: `fc_${id}`, call_id: `call_${id}`, name: 'exec_command', arguments: JSON.stringify({ cmd: command }) }
      : names.includes('shell') || !names.includes('local_shell')
        ? { type: 'function_call', id: `fc_${id}`, call_id: `call_${id}`, name: 'shell', arguments: JSON.stringify({ command: ['bash', '-lc', command] }) }
        : { type: 'local_shell_call', id: `lsh_${id}`, call_id: `call_${id}`, status: 'completed', action: { type: 'exec', command: ['bash', '-lc', command] } };
    send('response.created', { response: { id: `resp_${id}` } });
    send('response.output_item.added', { output_index: 0, item });
    send('response.output_item.done', { output_index: 0, item });
    send('response.completed', { response: { id: `resp_${id}`, usage: { input_tokens: 10, output_tokens: 25, total_tokens: 35 } } });
    res.end();
  }

  async function stream(res: ServerResponse, parts: string[], delayMs = 0, breakAfter = false): Promise<void> {
    const id = nextId++;
    openStream(res);
    const send = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    const item = { type: 'message', role: 'assistant', id: `msg_${id}` };
    send('response.created', { response: { id: `resp_${id}` } });
    send('response.output_item.added', { output_index: 0, item: { ...item, content: [] } });
    for (const p of parts) {
      if (delayMs) await pause(delayMs);
      if (res.destroyed) return;
      send('response.output_text.delta', { output_index: 0, content_index: 0, item_id: item.id, delta: p });
    }
    if (breakAfter) {
      res.socket?.destroy();
      return;
    }
    const text = parts.join('');
    send('response.output_item.done', { output_index: 0, item: { ...item, content: [{ type: 'output_text', text }] } });
    send('response.completed', { response: { id: `resp_${id}`, usage: { input_tokens: 10, output_tokens: Math.max(1, Math.ceil(text.length / 4)), total_tokens: 10 + Math.max(1, Math.ceil(text.length / 4)) } } });
    res.end();
  }
}
