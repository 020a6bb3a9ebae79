import { defaultConfigPath, loadDesired } from '../config/load.js';
import type { DesiredState } from '../config/types.js';
import { sendRequest, type ControlKind } from '../controls/requests.js';
import { readStatusFile, statusFreshMs } from '../status/status-file.js';
import { shortDuration } from './table.js';
import { findTask } from './find-task.js';
import { UsageError, type CliValues } from './main.js';
import { agentpoolCommand } from './hints.js';

/** How long a control waits for the controller to act (it acts between passes, which wake on the request). */
const REPLY_TIMEOUT_MS = 20_000;

/**
 * `agentpool retry|cancel TASK` and `cordon|uncordon|drain SESSION`: each asks the running controller,
 * which stays the only writer of tasks and slots (src/controls/), and prints what it did. Without a
 * running controller they fail and say so.
 */
export async function controlCommand(command: 'retry' | 'cancel' | 'cordon' | 'uncordon' | 'drain', v: CliValues, arg: string | undefined): Promise<number> {
  const what = command === 'retry' || command === 'cancel' ? 'a task: a file name such as fix-login.md, or its path' : 'a session name, such as ccl-auto-2';
  if (!arg) throw new UsageError(`${command} needs ${what}`);
  const d = await loadDesired(v.config ?? defaultConfigPath());
  await requireController(d, v);
  const target = command === 'retry' || command === 'cancel' ? (await findTask(d, arg)).path : arg;
  const kind: ControlKind = command === 'drain' ? 'cordon' : command;
  const reply = await sendRequest(d.controller.stateDir, kind, target, REPLY_TIMEOUT_MS);
  if (!reply) {
    throw new UsageError(`the controller did not act on the request within ${REPLY_TIMEOUT_MS / 1000} s (it acts between passes; agentpool status shows what it is doing)`, 1);
  }
  process.stdout.write(`${reply.message}\n`);
  if (!reply.ok) return 1;
  return command === 'drain' ? drain(d, v, arg, Date.now()) : 0;
}

/** `agentpool resume TASK --budget N`: a parked task continues, through the running controller. */
export async function resumeCommand(v: CliValues, arg: string): Promise<number> {
  const budget = Number(v.budget);
  if (!v.budget || !Number.isFinite(budget) || budget <= 0) throw new UsageError('--budget takes an amount above 0, e.g. --budget 10');
  const d = await loadDesired(v.config ?? defaultConfigPath());
  await requireController(d, v);
  const target = (await findTask(d, arg)).path;
  const reply = await sendRequest(d.controller.stateDir, 'resume', target, REPLY_TIMEOUT_MS, { budget });
  if (!reply) throw new UsageError(`the controller did not act on the request within ${REPLY_TIMEOUT_MS / 1000} s (it acts between passes; agentpool status shows what it is doing)`, 1);
  process.stdout.write(`${reply.message}\n`);
  return reply.ok ? 0 : 1;
}

/** The controller that runs for this config, or a clear error. */
async function requireController(d: DesiredState, v: CliValues): Promise<void> {
  const file = await readStatusFile(d.controller.stateDir, statusFreshMs(d.controller.resyncMs));
  if (file?.live) return;
  const last = file ? ` (the last one wrote its status ${shortDuration(Date.now() - file.status.writtenAt)} ago)` : '';
  throw new UsageError(`no controller is running for ${d.file}${last}: start one with ${agentpoolCommand(v, 'reconcile')}; controls go through it, so that it stays the only writer of tasks`, 1);
}

/**
 * Waits until the cordoned session has no task, as the controller's status file says: one written after
 * the cordon (an older one may not show a claim that was landing as the cordon came).
 */
async function drain(d: DesiredState, v: CliValues, session: string, cordonedAt: number): Promise<number> {
  let said = '';
  for (;;) {
    const file = await readStatusFile(d.controller.stateDir, statusFreshMs(d.controller.resyncMs));
    if (!file?.live) throw new UsageError('the controller stopped while draining; the session stays cordoned', 1);
    if (file.status.writtenAt <= cordonedAt) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const row = file.status.sessions.find((s) => s.session === session);
    if (!row?.task) break;
    if (row.task !== said) process.stdout.write(`waiting for ${session} to finish ${row.task} (${row.state})\n`);
    said = row.task;
    await new Promise((r) => setTimeout(r, 500));
  }
  process.stdout.write(`${session} is drained: it takes no new work until ${agentpoolCommand(v, `uncordon ${session}`)}\n`);
  return 0;
}
