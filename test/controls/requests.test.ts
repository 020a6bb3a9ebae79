import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { answerRequest, pendingRequests, requestsDir, sendRequest } from '../../src/controls/requests.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentpool-requests-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('control requests', () => {
  it('carry a request to the controller and its reply back, leaving no file behind', async () => {
    const sent = sendRequest(dir, 'cancel', '/p/.agent-queue/active/a.md', 5_000);
    let pending: Awaited<ReturnType<typeof pendingRequests>> = [];
    while (!pending.length) pending = await pendingRequests(dir);
    expect(pending).toMatchObject([{ kind: 'cancel', target: '/p/.agent-queue/active/a.md' }]);
    await answerRequest(dir, pending[0]!, { ok: true, message: 'cancelling a.md' });
    expect(await sent).toEqual({ ok: true, message: 'cancelling a.md' });
    expect(await readdir(requestsDir(dir))).toEqual([]);
  });

  it('withdraw a request nobody answered in time, and skip files that are not requests', async () => {
    expect(await sendRequest(dir, 'cordon', 'w-1', 200)).toBeNull();
    await writeFile(join(requestsDir(dir), 'junk.json'), '{not json');
    await writeFile(join(requestsDir(dir), 'other.json'), '{"id": "mismatch", "kind": "retry"}');
    expect(await pendingRequests(dir)).toEqual([]);
  });
});
