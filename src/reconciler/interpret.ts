import type { AgentProfile, DesiredState } from '../config/types.js';
import { driverFor } from '../drivers/index.js';
import { exitDescription, lastWords } from '../drivers/verdict.js';
import type { SlotEvent } from '../machines/session-machine.js';
import { SLOT_STATES, type SlotState, type SlotView, type Verdict } from '../machines/types.js';
import { isPoolName, profileOf } from '../config/pool.js';
import { parseWarmTag } from './slot-tags.js';
import type { Sidecar } from '../tasks/types.js';
import type { ObservedSession, Snapshot } from './snapshot.js';

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
  if (!snap.backend.ok) return out;
  for (const s of snap.sessions.values()) {
    if (!s.owned || !isPoolName(d, s.name) || inFlight.has(s.name)) continue;
    const state = views.get(s.name)?.state ?? 'absent';
    if (state === 'absent') out.push({ session: s.name, event: adopt(s, snap, profileOf(d, s.saved.agent)) });
  }
  for (const [session, v] of views) {
    if (v.state === 'absent' || inFlight.has(session)) continue;
    const s = snap.sessions.get(session);
    if (!s || !s.owned) {
      out.push({ session, event: { type: 'VANISHED' } });
      continue;
    }
    const signals = snap.agents.get(session);
    const profile = profileOf(d, v.agent);
    if (v.state === 'warming' || v.state === 'ready') {
      // A warm agent that ended is replaced, never given a task; one that shows its prompt is ready.
      if (s.process.dead) {
        out.push({ session, event: { type: 'AGENT_ENDED', verdict: { outcome: 'failed', reason: `the warm agent exited${exitDescription(s.process)}${v.state === 'warming' ? ' before it showed a ready prompt' : ''}${lastWords(signals)}` } } });
      } else if (v.state === 'warming' && signals?.screen?.ready && !signals.screen.answer) {
        out.push({ session, event: { type: 'READY' } });
      }
    } else if (v.state === 'awaitingPrompt') {
      if (signals?.prompted) {
        // The agent already has its prompt (a restart between paste and bookkeeping): it is working.
        out.push({ session, event: { type: 'SUBMITTED', deadline: snap.now + taskTimeoutMs(snap, v.task, profile) } });
      } else if (s.process.dead) {
        out.push({ session, event: { type: 'AGENT_ENDED', verdict: { outcome: 'failed', reason: `the agent exited${exitDescription(s.process)} before it showed a ready prompt${lastWords(signals)}` } } });
      }
    } else if (v.state === 'working') {
      const verdict = driverFor(profile).verdict(profile, signals, s.process, snap.now);
      const over = snap.overCap?.get(session);
      if (verdict) out.push({ session, event: { type: 'AGENT_ENDED', verdict } });
      // Its task spent its cap while it worked: the agent is stopped, the task parked (not failed, not retried).
      else if (over) out.push({ session, event: { type: 'AGENT_ENDED', verdict: { outcome: 'parked', reason: over } } });
    }
  }
  return out;
}

/**
 * A warm agent found on a session (its tags name it, slot-tags.ts): ready when its screen shows its prompt
 * now, else still warming until its prompt timeout from its start. null when the tags name none (one saved
 * by an older agentpool): the slot is adopted idle and its agent replaced.
 */
function adoptWarm(s: ObservedSession, snap: Snapshot, profile: AgentProfile): SlotEvent | null {
  const warm = parseWarmTag(s.saved.task);
  if (!warm || !s.saved.agent) return null;
  const screen = snap.agents.get(s.name)?.screen;
  const ready = !s.process.dead && screen?.ready === true && !screen.answer;
  const common = { task: null, draining: false, agent: s.saved.agent, warm } as const;
  return ready ? { type: 'ADOPT', state: 'ready', deadline: null, ...common } : { type: 'ADOPT', state: 'warming', deadline: warm.launchedAt + profile.promptTimeoutMs, ...common };
}

/** The tasks in active/ whose sidecar names `session` as the one working on them, with their states. */
/** The task's own timeout (`timeout:` in its front matter, kept in its sidecar), else its profile's. */
function taskTimeoutMs(snap: Snapshot, task: string | null, profile: AgentProfile): number {
  for (const q of snap.queues) for (const a of q.active) if (a.path === task) return a.sidecar.timeoutMs ?? profile.taskTimeoutMs;
  return profile.taskTimeoutMs;
}

function claimedBy(snap: Snapshot, session: string): Map<string, Sidecar['state']> {
  const out = new Map<string, Sidecar['state']>();
  for (const q of snap.queues) for (const a of q.active) if (a.sidecar.session === session && a.sidecar.state !== 'queued') out.set(a.path, a.sidecar.state);
  return out;
}

/**
 * A session found without a machine (a controller restart): its slot state comes from what agentpool saved
 * on it, checked against the task's sidecar and the agent's own events. The delivery policy: a prompt the
 * agent reported (UserPromptSubmit) is working, and so is one whose paste began and whose screen shows it
 * working; one claimed but never pasted is sent once; one whose paste began but whose arrival cannot be
 * proven is not pasted into the same agent again — the task goes to a fresh agent, and its history says so.
 */
function adopt(s: ObservedSession, snap: Snapshot, profile: AgentProfile): SlotEvent {
  const now = snap.now;
  const saved = (SLOT_STATES as readonly string[]).includes(s.saved.state) ? (s.saved.state as SlotState) : 'idle';
  const claimed = claimedBy(snap, s.name);
  // The session's word is kept only when the task's own sidecar agrees it belongs to this session.
  const task = s.saved.task && claimed.has(s.saved.task) ? s.saved.task : null;
  const taskDeadline = s.saved.state === 'working' && s.saved.until ? s.saved.until : now + taskTimeoutMs(snap, task, profile);
  const idle: SlotEvent = { type: 'ADOPT', state: 'idle', task: null, deadline: null, draining: false };
  // The profile that launched the agent is kept with it (its rules still apply after a config reload).
  const agent = s.saved.agent ? { agent: s.saved.agent } : {};
  switch (saved) {
    case 'absent':
    case 'idle':
      return idle;
    case 'warming':
    case 'ready':
      return adoptWarm(s, snap, profile) ?? idle;
    case 'cooldown':
      return { type: 'ADOPT', state: 'cooldown', task: null, deadline: s.saved.until ?? now, draining: false };
    case 'launching':
    case 'awaitingPrompt': {
      if (!task) return idle;
      const signals = snap.agents.get(s.name);
      if (signals?.prompted) return { type: 'ADOPT', state: 'working', task, deadline: taskDeadline, draining: false, ...agent };
      // A paste that began, into an agent whose screen shows it working: it took the prompt, whether or not
      // its proof came (a long task's hook event can lag); it is never given the task again.
      if (claimed.get(task) === 'submitting' && signals?.screen?.busy) return { type: 'ADOPT', state: 'working', task, deadline: taskDeadline, draining: false, ...agent };
      if (claimed.get(task) === 'submitting') {
        const verdict: Verdict = {
          outcome: 'interrupted',
          reason: 'the controller stopped while pasting the task and the agent never confirmed it; the task was sent again to a fresh agent (it may have run twice)',
        };
        return { type: 'ADOPT', state: 'stopping', task, deadline: null, draining: false, verdict, ...agent };
      }
      return { type: 'ADOPT', state: 'awaitingPrompt', task, deadline: now + profile.promptTimeoutMs, draining: false, ...agent };
    }
    case 'working':
    case 'stopping':
      // A stopping slot is re-derived from its agent's signals, so it is adopted as working.
      return task ? { type: 'ADOPT', state: 'working', task, deadline: taskDeadline, draining: false, ...agent } : idle;
  }
}
