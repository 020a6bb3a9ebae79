/**
 * A loopback stand-in for the Gemini API, good enough for the real Gemini CLI to finish a turn offline
 * (docs/research/codex-gemini-cli.md, B2): `POST /v1beta/models/<model>:streamGenerateContent?alt=sse`
 * answered with `data:` events of candidates. Other generateContent calls (a next-speaker or loop check)
 * are side requests. A usage limit is a 429 google.rpc error the CLI reads as a terminal quota error.
 */
import type { ServerResponse } from 'node:http';
import { json, openStream, pause, resetOf, startStandIn, streamedAs, type StandIn, type StandInBehaviour } from './stand-in.js';

/** The shared behaviours, and a call of the shell tool with `command` (the CLI runs it and asks again): 25 output tokens. */
export type GeminiBehaviour = StandInBehaviour | { kind: 'tool'; command: string };

/** The text of the last user turn of a generateContent request, without the `<session_context>` part the CLI adds. */
export function lastUserParts(body: any): string {
  const contents: any[] = Array.isArray(body?.contents) ? body.contents : [];
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = contents[i];
    if (c?.role !== 'user') continue;
    const texts = (Array.isArray(c.parts) ? c.parts : [])
      .filter((p: any) => typeof p?.text === 'string' && !p.text.startsWith('<session_context>'))
      .map((p: any) => p.text as string);
    if (texts.length) return texts.join('');
  }
  return '';
}

const rpcError = (code: number, status: string, message: string, details: object[] = []) => ({ error: { code, status, message, details } });

export async function startFakeGemini(): Promise<StandIn<GeminiBehaviour>> {
  return startStandIn<GeminiBehaviour>(async (req, res, rec, next) => {
    const m = /^\/v1beta\/models\/([^:/?]+):(streamGenerateContent|generateContent|countTokens)/.exec(rec.path);
    if (req.method !== 'POST' || !m) return json(res, 404, rpcError(404, 'NOT_FOUND', `no route ${req.method} ${rec.path}`));
    if (m[2] === 'countTokens') {
      rec.kind = 'side';
      return json(res, 200, { totalTokens: 100 });
    }
    // The agent's turn is streamed and carries its tools; anything else is the CLI asking itself something.
    if (m[2] !== 'streamGenerateContent' || !Array.isArray(rec.body?.tools)) {
      rec.kind = 'side';
      return m[2] === 'streamGenerateContent' ? stream(res, ['{}']) : json(res, 200, { candidates: [candidate('{}')], usageMetadata: usage(1) });
    }
    rec.kind = 'turn';
    rec.prompt = lastUserParts(rec.body);
    const b = next();
    if (b.kind === 'tool') {
      openStream(res);
      const call = { content: { role: 'model', parts: [{ functionCall: { name: 'run_shell_command', args: { command: b.command, description: 'Run the step' } } }] }, finishReason: 'STOP', index: 0 };
      res.end(`data: ${JSON.stringify({ candidates: [call], usageMetadata: usage(25) })}\n\n`);
      return;
    }
    const plan = streamedAs(b, rec.prompt);
    if (plan) return stream(res, plan.parts, plan.delayMs, plan.cut);
    switch (b.kind) {
      case 'server-error':
        return json(res, 500, rpcError(500, 'INTERNAL', 'An internal error has occurred.'));
      case 'unavailable':
        return json(res, 503, rpcError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'));
      case 'rate-limit': {
        const seconds = Math.max(0, Math.ceil((resetOf(b) - Date.now()) / 1000));
        // Terminal for the CLI either way: a wait of more than 5 minutes (it shows when access resets), or
        // else a per-day quota (it shows no reset; a shorter per-minute one it would wait out by itself).
        const daily = seconds <= 300
          ? [{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }] }]
          : [];
        return json(res, 429, rpcError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.', [
          ...daily,
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` },
        ]));
      }
    }
  }, { kind: 'answer' });

  function candidate(text: string, finished = true) {
    return { content: { role: 'model', parts: [{ text }] }, ...(finished ? { finishReason: 'STOP' } : {}), index: 0 };
  }

  function usage(n: number) {
    return { promptTokenCount: 10, candidatesTokenCount: n, totalTokenCount: 10 + n };
  }

  async function stream(res: ServerResponse, parts: string[], delayMs = 0, breakAfter = false): Promise<void> {
    openStream(res);
    for (const [i, p] of parts.entries()) {
      if (delayMs) await pause(delayMs);
      if (res.destroyed) return;
      const last = i === parts.length - 1 && !breakAfter;
      res.write(`data: ${JSON.stringify({ candidates: [candidate(p, last)], ...(last ? { usageMetadata: usage(Math.ceil(parts.join('').length / 4)) } : {}) })}\n\n`);
    }
    if (breakAfter) {
      res.socket?.destroy();
      return;
    }
    res.end();
  }
}
