/**
 * Claude-Code-style hooks: `--settings FILE` names commands per event; each runs through `/bin/sh -c` (as
 * Claude runs them) with the event's JSON on stdin, one after another, and the agent waits for them.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export type HookEvent = 'SessionStart' | 'UserPromptSubmit' | 'Stop' | 'StopFailure';

export type HookCommands = Partial<Record<HookEvent, string[]>>;

interface SettingsShape {
  hooks?: Record<string, Array<{ hooks?: Array<{ type?: string; command?: string }> }>>;
}

/** Reads the command hooks from a settings file; throws with the file name when it cannot be used. */
export function loadHooks(file: string | undefined): HookCommands {
  if (!file) return {};
  let settings: SettingsShape;
  try {
    settings = JSON.parse(readFileSync(file, 'utf8')) as SettingsShape;
  } catch (err) {
    throw new Error(`cannot read settings ${file}: ${(err as Error).message}`);
  }
  const out: HookCommands = {};
  for (const [event, matchers] of Object.entries(settings.hooks ?? {})) {
    out[event as HookEvent] = (matchers ?? []).flatMap((m) =>
      (m.hooks ?? []).filter((h) => h.type === 'command' && typeof h.command === 'string').map((h) => h.command!),
    );
  }
  return out;
}

/** Runs the commands in order; resolves with one message per command that failed (never rejects). */
export async function runHooks(commands: readonly string[], payload: object, cwd: string): Promise<string[]> {
  const failures: string[] = [];
  for (const command of commands) {
    const failure = await runOne(command, JSON.stringify(payload), cwd);
    if (failure) failures.push(failure);
  }
  return failures;
}

function runOne(command: string, input: string, cwd: string): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd,
      env: { ...process.env, CLAUDE_PROJECT_DIR: cwd },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // A hook that does not read its stdin must not take the agent down with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    child.on('error', (err) => resolve(`hook "${command}" failed: ${err.message}`));
    child.on('close', (code, signal) => {
      const why = stderr.trim().split('\n')[0];
      if (code === 0) resolve(null);
      else resolve(`hook "${command}" failed (${signal ?? `exit ${code}`})${why ? `: ${why}` : ''}`);
    });
  });
}
