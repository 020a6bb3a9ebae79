import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Attempt } from '../../src/tasks/attempt.js';
import { writeSidecar } from '../../src/tasks/store.js';
import type { Sidecar } from '../../src/tasks/types.js';

/** Drops a task the safe way: write a dotfile, rename it into the inbox. Returns its inbox path. */
export async function dropTask(project: string, name: string, text: string): Promise<string> {
  const inbox = join(project, '.agent-queue', 'inbox');
  await mkdir(inbox, { recursive: true });
  await writeFile(join(inbox, `.${name}.tmp`), text);
  await rename(join(inbox, `.${name}.tmp`), join(inbox, name));
  return join(inbox, name);
}

/** Sets fields of a claimed task's sidecar, as a step of the attempt ledger would have written them. */
export async function patchSidecar(path: string, patch: Partial<Sidecar>): Promise<void> {
  const attempt = await Attempt.open(path);
  if (!attempt.sidecar) throw new Error(`no sidecar for ${path}`);
  await writeSidecar(path, { ...attempt.sidecar, ...patch });
}

/** Ends a claimed task's attempt: back to the queue (`retry`), or to done/ or failed/. Where it is now. */
export async function settleTask(path: string, o: { disposition: 'done' | 'fail'; reason: string; now: number; lastMessage?: string } | { disposition: 'retry'; reason: string; outcome: string; notBefore: number; refundAttempt: boolean; now: number }): Promise<string> {
  return (await Attempt.open(path)).settle({ git: null, log: null, ...o });
}
