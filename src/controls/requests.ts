import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../tasks/atomic.js';
import { waitForFile } from '../util/fs.js';

/**
 * How `agentpool retry|cancel|cordon|uncordon|drain` reach the running controller, so that it stays the
 * only writer of tasks and slots: the CLI writes a request file into `<stateDir>/requests/` (atomically)
 * and waits for the reply file the controller writes beside it once it acted. Each pass observes the
 * waiting requests, plans them as actions and dispatches them, so a dry run shows them too. A request the
 * controller cannot act on yet (the task's agent is mid-action) stays until a later pass can.
 */
export type ControlKind = 'retry' | 'cancel' | 'cordon' | 'uncordon' | 'resume';

export interface ControlRequest {
  id: string;
  kind: ControlKind;
  /** retry, cancel, resume: the task file's path; cordon, uncordon: the session's name. */
  target: string;
  at: number;
  /** resume: the task's new cap, in money. */
  budget?: number;
}

export interface ControlReply {
  ok: boolean;
  /** What the controller did, or why it did not, for a person. */
  message: string;
}

const REPLY = '.reply.json';

export function requestsDir(stateDir: string): string {
  return join(stateDir, 'requests');
}

/** Writes a request for the controller; its reply will be at the path returned. */
export async function postRequest(stateDir: string, kind: ControlKind, target: string, extra: Pick<ControlRequest, 'budget'> = {}): Promise<{ id: string; replyFile: string }> {
  const dir = requestsDir(stateDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const req: ControlRequest = { id: `${Date.now()}-${randomUUID().slice(0, 8)}`, kind, target, at: Date.now(), ...extra };
  await writeJsonAtomic(join(dir, `${req.id}.json`), req);
  return { id: req.id, replyFile: join(dir, `${req.id}${REPLY}`) };
}

/** Writes a request and waits up to `timeoutMs` for its reply; null when none came. */
export async function sendRequest(stateDir: string, kind: ControlKind, target: string, timeoutMs: number, extra: Pick<ControlRequest, 'budget'> = {}): Promise<ControlReply | null> {
  const { id, replyFile } = await postRequest(stateDir, kind, target, extra);
  const reply = await waitForReply(replyFile, timeoutMs);
  if (reply) return reply;
  // Not taken in time: withdraw it. If the controller took it meanwhile (the file is gone), it acts on it:
  // wait for what it says a while longer rather than report a failure that did not happen.
  const withdrawn = await unlink(join(requestsDir(stateDir), `${id}.json`)).then(() => true, () => false);
  return withdrawn ? null : waitForReply(replyFile, timeoutMs);
}

async function waitForReply(file: string, ms: number): Promise<ControlReply | null> {
  const text = await waitForFile(file, ms);
  if (text === null) return null;
  await unlink(file).catch(() => {});
  return JSON.parse(text) as ControlReply;
}

/** The requests waiting for the controller, oldest first; a file that is not a request is skipped. */
export async function pendingRequests(stateDir: string): Promise<ControlRequest[]> {
  const dir = requestsDir(stateDir);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json') && !n.endsWith(REPLY) && !n.startsWith('.'));
  const out: ControlRequest[] = [];
  for (const n of names.sort()) {
    const r = await readFile(join(dir, n), 'utf8').then((t) => JSON.parse(t) as ControlRequest).catch(() => null);
    if (r && typeof r.id === 'string' && `${r.id}.json` === n) out.push(r);
  }
  return out;
}

/** The controller's answer: the reply is written, then the request goes. */
export async function answerRequest(stateDir: string, req: Pick<ControlRequest, 'id'>, reply: ControlReply): Promise<void> {
  const dir = requestsDir(stateDir);
  await writeJsonAtomic(join(dir, `${req.id}${REPLY}`), reply);
  await unlink(join(dir, `${req.id}.json`)).catch(() => {});
}
