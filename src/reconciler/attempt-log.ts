import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { deniedLog } from '../sandbox/layout.js';
import { basename, join } from 'node:path';
import type { DesiredState } from '../config/types.js';
import type { AgentIO } from '../drivers/agent-driver.js';
import type { Attempt } from '../tasks/attempt.js';
import { projectName } from '../tasks/task-id.js';

/** Lines of scrollback kept per attempt, and bytes at most (the end is kept). */
const HISTORY_LINES = 2_000;
const MAX_BYTES = 256 * 1024;

/**
 * Where an attempt's pane output is kept: <stateDir>/logs/<project>/<task>.attempt-<n>.<claimed at>.log
 * (the claim time keeps apart attempts that share a number: after a retry by hand, a refunded attempt).
 */
export function attemptLogPath(d: DesiredState, project: string, task: string, attempt: number, claimedAt: number | null): string {
  return join(d.controller.stateDir, 'logs', projectName(d, project), `${basename(task)}.attempt-${attempt}.${claimedAt ?? 0}.log`);
}

/**
 * Saves what the agent's pane shows, with its scrollback, as the attempt ends (before the agent is asked
 * to exit), for `agentpool logs`. Bounded; a pane that cannot be read leaves no log, and says nothing.
 */
export async function saveAttemptLog(d: DesiredState, io: AgentIO, attempt: Attempt): Promise<string | null> {
  const s = attempt.sidecar;
  if (!s) return null;
  const screen = await io.backend.readScreen(io.ref, { history: HISTORY_LINES }).catch(() => null);
  if (screen === null) return null;
  // What its sandbox refused (its proxy's log), after the screen.
  const denied = s.sandboxed ? (await readFile(deniedLog(d.controller.stateDir, s.session ?? ''), 'utf8').catch(() => '')).trim() : '';
  const text = denied ? `${screen}\n\n==> what the sandbox refused:\n${denied}` : screen;
  const path = attemptLogPath(d, s.project, attempt.path, s.attempts, s.claimedAt);
  // A screen's empty rows (a shell agent's output, then rows of nothing down to "Pane is dead") say nothing.
  const bytes = Buffer.from(`${text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim()}\n`);
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  await writeFile(path, bytes.length > MAX_BYTES ? bytes.subarray(bytes.length - MAX_BYTES) : bytes, { mode: 0o600 });
  return path;
}
