import type { Logger } from 'pino';
import type { DesiredState, NotifyEvent } from '../config/types.js';
import { withReleasedPipes } from '../util/release-pipes.js';

export interface Notice {
  event: NotifyEvent;
  /** The task's path now (in done/, failed/ or active/). */
  task: string;
  project: string;
  session: string | null;
  reason: string;
  /** The task's record (its result record, or its sidecar for `stuck`), given on stdin as JSON. */
  record: unknown;
}

/**
 * Runs the configured `notify` command for one event, if it is one the config names: argv without a shell,
 * the record as JSON on stdin, the facts in AGENTPOOL_* variables, killed at its timeout. It never fails the
 * caller: a command that fails is logged with what it said.
 */
export async function notify(spec: DesiredState['notify'], n: Notice, log: Logger): Promise<void> {
  if (!spec || !spec.on.includes(n.event)) return;
  const [program, ...args] = spec.command;
  // Loaded when first needed: a controller's start does not pay for execa (~0.1 s of CPU) until it runs one.
  const { execa } = await import('execa');
  const child = execa(program!, args, {
    input: `${JSON.stringify(n.record)}\n`,
    stdout: 'ignore',
    reject: false,
    timeout: spec.timeoutMs,
    forceKillAfterDelay: 1_000,
    env: {
      AGENTPOOL_EVENT: n.event,
      AGENTPOOL_TASK: n.task,
      AGENTPOOL_PROJECT: n.project,
      AGENTPOOL_SESSION: n.session ?? '',
      AGENTPOOL_REASON: n.reason,
    },
  });
  const r = await withReleasedPipes(child, spec.timeoutMs + 2_000);
  const fields = { event: n.event, task: n.task, command: spec.command };
  if (!r.failed) {
    log.debug(fields, 'ran the notify command');
    return;
  }
  const why = r.timedOut ? `it ran past notify.timeout (${spec.timeoutMs} ms)` : (r as { code?: string }).code === 'ENOENT' ? `${program} was not found` : r.shortMessage;
  const said = String(r.stderr ?? '').trim().slice(0, 500);
  log.warn({ ...fields, ...(said ? { stderr: said } : {}) }, `the notify command failed: ${why}`);
}
