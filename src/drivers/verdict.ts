import { constants as osConstants } from 'node:os';
import { parseResetTime } from '../agents/reset-time.js';
import type { AgentProfile } from '../config/types.js';
import type { Verdict } from '../machines/types.js';
import type { AgentProcess, AgentSignals } from './agent-driver.js';

/**
 * Pure: whether a working agent has ended its task, from its turn as its event channel told it (when its
 * driver has one), its process and its screen, in that order of trust.
 */
export function workingVerdict(profile: AgentProfile, sig: AgentSignals | undefined, proc: AgentProcess, now: number): Verdict | null {
  const turn = sig?.turn;
  const screen = sig?.screen;
  const limitText = screen?.rateLimit ?? '';
  if (turn?.failed) {
    const { error, limited, lastMessage } = turn.failed;
    if (limited || limitText) {
      const until = parseResetTime(`${limitText}\n${lastMessage}`, now);
      return { outcome: 'limited', reason: `usage or rate limit: ${limitText || lastMessage || error}`, ...(until ? { until } : {}) };
    }
    return { outcome: 'failed', reason: `the agent's turn failed (${error})${lastMessage ? `: ${lastMessage}` : ''}` };
  }
  // A turn that ended with shells or subagents still running is not the end of the task: the agent takes
  // their results in a later turn (and a later Stop). The task timeout bounds the wait.
  // A CLI that ends a failed turn like any other (Gemini CLI 0.61: AfterAgent, "[no response text]") says
  // on screen that it failed; that is read below.
  const failedOnScreen = screen?.error !== undefined || screen?.rateLimit !== undefined;
  if (turn?.ended && turn.ended.stillRunning.length === 0 && !failedOnScreen) {
    return { outcome: 'done', reason: 'the agent finished its turn', lastMessage: turn.ended.lastMessage };
  }
  if (proc.dead) {
    // Dead but not reaped yet (tmux saw its terminal close first; with a sandbox, bubblewrap exits a moment
    // after its agent): its status decides whether it is done, so the next pass, which nudges tmux to reap
    // it (tmux/commands.ts), decides.
    if (proc.status === null && proc.signal === null) return null;
    if (profile.done === 'exit' && proc.status === 0) return { outcome: 'done', reason: 'the agent exited with status 0' };
    return { outcome: 'failed', reason: `the agent exited${exitDescription(proc)} while working on the task (crash?)${lastWords(sig)}` };
  }
  if (screen) {
    if (screen.rateLimit) {
      // The limit's line, else the screen: Gemini CLI 0.61 names the reset on the line below its limit.
      const until = parseResetTime(screen.rateLimit, now) ?? parseResetTime(sig?.screenText ?? '', now);
      return { outcome: 'limited', reason: `usage or rate limit: ${screen.rateLimit}`, ...(until ? { until } : {}) };
    }
    if (screen.error) return { outcome: 'failed', reason: `the agent showed an error: ${screen.error}` };
    if (profile.done === 'idle' && screen.ready && !screen.busy) return { outcome: 'done', reason: 'the agent is back at its prompt' };
  }
  return null;
}

/**
 * The last lines a dead agent printed, for the reason: they usually say why (Claude Code as root without
 * IS_SANDBOX=1: "--dangerously-skip-permissions cannot be used with root/sudo privileges ..."; on a HOME
 * that never finished onboarding: "Failed to connect to api.anthropic.com: ENOTFOUND / ...").
 */
export function lastWords(sig: AgentSignals | undefined): string {
  const lines = (sig?.screenText ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('Pane is dead'));
  const words = lines.slice(-3).join(' / ');
  if (!words) return '';
  return `; its last words: ${words.length > 400 ? `${words.slice(0, 400)}…` : words}`;
}

/** ` with status 1`, ` (killed by signal 9, SIGKILL)`, or '' when unknown. */
export function exitDescription(proc: AgentProcess): string {
  if (proc.signal !== null) {
    const name = Object.entries(osConstants.signals).find(([, n]) => n === proc.signal)?.[0];
    return ` (killed by signal ${proc.signal}${name ? `, ${name}` : ''})`;
  }
  return proc.status === null ? '' : ` with status ${proc.status}`;
}
