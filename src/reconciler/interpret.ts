import { constants as osConstants } from 'node:os';
import { parseResetTime } from '../agents/reset-time.js';
import type { AgentProfile, DesiredState } from '../config/types.js';
import type { SlotEvent } from '../machines/session-machine.js';
import { SLOT_STATES, type SlotState, type SlotView, type Verdict } from '../machines/types.js';
import { isPoolName } from './pool.js';
import type { Sidecar } from '../tasks/types.js';
import type { AgentSignals, ObservedSession, Snapshot } from './snapshot.js';

export interface SlotInput {
  session: string;
  event: SlotEvent;
}

/**
 * Pure: what the observed world tells each slot machine. Sessions that appear are adopted from the state
 * agentpool saved on them; sessions that vanished are reported; agents that finished, failed, crashed or
 * hit a limit end their task. Sessions with an action in flight are left to that action.
 */
export function interpret(
  d: DesiredState,
  snap: Snapshot,
  views: ReadonlyMap<string, SlotView>,
  inFlight: ReadonlySet<string> = new Set(),
): SlotInput[] {
  const out: SlotInput[] = [];
  if (!snap.tmux.ok) return out;
  const profile = d.agents[d.pool.agent]!;
  for (const s of snap.sessions.values()) {
    if (!s.owned || !isPoolName(d, s.name) || inFlight.has(s.name)) continue;
    const state = views.get(s.name)?.state ?? 'absent';
    if (state === 'absent') out.push({ session: s.name, event: adopt(s, snap, profile) });
  }
  for (const [session, v] of views) {
    if (v.state === 'absent' || inFlight.has(session)) continue;
    const s = snap.sessions.get(session);
    if (!s || !s.owned) {
      out.push({ session, event: { type: 'VANISHED' } });
      continue;
    }
    const signals = snap.agents.get(session);
    if (v.state === 'awaitingPrompt') {
      if (signals && signals.hooks.prompts.length > 0) {
        // The agent already has its prompt (a restart between paste and bookkeeping): it is working.
        out.push({ session, event: { type: 'SUBMITTED', deadline: snap.now + profile.taskTimeoutMs } });
      } else if (s.paneDead) {
        out.push({ session, event: { type: 'AGENT_ENDED', verdict: { outcome: 'failed', reason: `the agent exited${status(s)} before it showed a ready prompt${lastWords(signals)}` } } });
      }
    } else if (v.state === 'working') {
      const verdict = workingVerdict(s, signals, snap.now, profile.done);
      if (verdict) out.push({ session, event: { type: 'AGENT_ENDED', verdict } });
    }
  }
  return out;
}

/** The tasks in active/ whose sidecar names `session` as the one working on them, with their states. */
function claimedBy(snap: Snapshot, session: string): Map<string, Sidecar['state']> {
  const out = new Map<string, Sidecar['state']>();
  for (const q of snap.queues) for (const a of q.active) if (a.sidecar.session === session && a.sidecar.state !== 'queued') out.set(a.path, a.sidecar.state);
  return out;
}

/**
 * A session found without a machine (a controller restart): its slot state comes from what agentpool saved
 * on it, checked against the task's sidecar and the agent's own events. The delivery policy: a prompt the
 * agent reported (UserPromptSubmit) is working; one claimed but never pasted is sent once; one whose paste
 * began but whose arrival cannot be proven is not pasted into the same agent again — the task goes to a
 * fresh agent, and its history says so.
 */
function adopt(s: ObservedSession, snap: Snapshot, profile: AgentProfile): SlotEvent {
  const now = snap.now;
  const taskDeadline = s.saved.state === 'working' && s.saved.until ? s.saved.until : now + profile.taskTimeoutMs;
  const saved = (SLOT_STATES as readonly string[]).includes(s.saved.state) ? (s.saved.state as SlotState) : 'idle';
  const claimed = claimedBy(snap, s.name);
  // The session's word is kept only when the task's own sidecar agrees it belongs to this session.
  const task = s.saved.task && claimed.has(s.saved.task) ? s.saved.task : null;
  const idle: SlotEvent = { type: 'ADOPT', state: 'idle', task: null, deadline: null, draining: false };
  switch (saved) {
    case 'absent':
    case 'idle':
      return idle;
    case 'cooldown':
      return { type: 'ADOPT', state: 'cooldown', task: null, deadline: s.saved.until ?? now, draining: false };
    case 'launching':
    case 'awaitingPrompt': {
      if (!task) return idle;
      if ((snap.agents.get(s.name)?.hooks.prompts.length ?? 0) > 0) return { type: 'ADOPT', state: 'working', task, deadline: taskDeadline, draining: false };
      if (claimed.get(task) === 'submitting') {
        const verdict: Verdict = {
          outcome: 'interrupted',
          reason: 'the controller stopped while pasting the task and the agent never confirmed it; the task was sent again to a fresh agent (it may have run twice)',
        };
        return { type: 'ADOPT', state: 'stopping', task, deadline: null, draining: false, verdict };
      }
      return { type: 'ADOPT', state: 'awaitingPrompt', task, deadline: now + profile.promptTimeoutMs, draining: false };
    }
    case 'working':
    case 'stopping':
      // A stopping slot is re-derived from its agent's signals, so it is adopted as working.
      return task ? { type: 'ADOPT', state: 'working', task, deadline: taskDeadline, draining: false } : idle;
  }
}

function workingVerdict(s: ObservedSession, sig: AgentSignals | undefined, now: number, done: DesiredState['agents'][string]['done']): Verdict | null {
  const hooks = sig?.hooks;
  const screen = sig?.screen;
  const limitText = screen?.rateLimit ?? '';
  if (hooks?.stopFailure) {
    const { error, lastMessage } = hooks.stopFailure;
    if (error === 'rate_limit' || limitText) {
      const until = parseResetTime(`${limitText}\n${lastMessage}`, now);
      return { outcome: 'limited', reason: `usage or rate limit: ${limitText || lastMessage || error}`, ...(until ? { until } : {}) };
    }
    return { outcome: 'failed', reason: `the agent's turn failed (${error})${lastMessage ? `: ${lastMessage}` : ''}` };
  }
  // A turn that ended with shells or subagents still running is not the end of the task: the agent takes
  // their results in a later turn (and a later Stop). The task timeout bounds the wait.
  if (hooks?.stop && hooks.stop.backgroundTasks.length === 0) return { outcome: 'done', reason: 'the agent finished its turn', lastMessage: hooks.stop.lastMessage };
  if (s.paneDead) {
    if (done === 'exit' && s.paneDeadStatus === 0) return { outcome: 'done', reason: 'the agent exited with status 0' };
    return { outcome: 'failed', reason: `the agent exited${status(s)} while working on the task (crash?)${lastWords(sig)}` };
  }
  if (screen) {
    if (screen.rateLimit) {
      const until = parseResetTime(screen.rateLimit, now);
      return { outcome: 'limited', reason: `usage or rate limit: ${screen.rateLimit}`, ...(until ? { until } : {}) };
    }
    if (screen.error) return { outcome: 'failed', reason: `the agent showed an error: ${screen.error}` };
    if (done === 'idle' && screen.ready && !screen.busy) return { outcome: 'done', reason: 'the agent is back at its prompt' };
  }
  return null;
}

/**
 * The last lines a dead agent printed, for the reason: they usually say why (Claude Code as root without
 * IS_SANDBOX=1: "--dangerously-skip-permissions cannot be used with root/sudo privileges ..."; on a HOME
 * that never finished onboarding: "Failed to connect to api.anthropic.com: ENOTFOUND / ...").
 */
function lastWords(sig: AgentSignals | undefined): string {
  const lines = (sig?.screenText ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('Pane is dead'));
  const words = lines.slice(-3).join(' / ');
  if (!words) return '';
  return `; its last words: ${words.length > 400 ? `${words.slice(0, 400)}…` : words}`;
}

function status(s: ObservedSession): string {
  if (s.paneDeadSignal !== null) {
    const name = Object.entries(osConstants.signals).find(([, n]) => n === s.paneDeadSignal)?.[0];
    return ` (killed by signal ${s.paneDeadSignal}${name ? `, ${name}` : ''})`;
  }
  return s.paneDeadStatus === null ? '' : ` with status ${s.paneDeadStatus}`;
}
