import { EMPTY_SUMMARY } from '../agents/events.js';
import { readHookSummary } from '../agents/launch.js';
import { readScreen } from '../agents/screen.js';
import type { DesiredState } from '../config/types.js';
import type { SlotView } from '../machines/types.js';
import type { TmuxClient } from '../tmux/client.js';
import type { QueueScanner } from '../tasks/scan.js';
import { agentProgramProblem } from '../util/which.js';
import type { AgentSignals, ObservedSession, Snapshot } from './snapshot.js';

/** How a session this controller created is remembered: session ids start again at $0 on a new server. */
export function createdKey(serverPid: number, sessionId: string): string {
  return `${serverPid}/${sessionId}`;
}

const AGENT_STATES = new Set(['launching', 'awaitingPrompt', 'working', 'stopping']);

/**
 * One observation of the world: one `list-panes -a` for all sessions, a scan of every project's queue, and
 * for slots with an agent its hook events (and its screen only where a decision needs it).
 */
export async function observe(
  d: DesiredState,
  tmux: TmuxClient,
  scanner: QueueScanner,
  views: ReadonlyMap<string, SlotView>,
  now: number,
  created: ReadonlySet<string> = new Set(),
): Promise<Snapshot> {
  const sessions = new Map<string, ObservedSession>();
  let tmuxState: Snapshot['tmux'] = { ok: true };
  try {
    for (const p of await tmux.listPanes()) {
      if (sessions.has(p.sessionName)) continue; // pool sessions have one pane; the first one is the agent's
      sessions.set(p.sessionName, {
        name: p.sessionName,
        sessionId: p.sessionId,
        paneId: p.paneId,
        panePid: p.panePid,
        paneDead: p.paneDead,
        paneDeadStatus: p.paneDeadStatus,
        paneDeadSignal: p.paneDeadSignal,
        owned: p.pool === d.pool.prefix || created.has(createdKey(p.serverPid, p.sessionId)),
        tags: { pool: p.pool, slot: p.slot },
        saved: { state: p.state, task: p.task, until: p.until ? Number(p.until) : null },
      });
    }
  } catch (err) {
    tmuxState = { ok: false, error: (err as Error).message };
  }

  const queues = await Promise.all(
    d.projects.map((p) => scanner.scan(p, { now, settleMs: d.tasks.settleMs, maxBytes: d.tasks.maxBytes })),
  );

  const profile = d.agents[d.pool.agent]!;
  const agents = new Map<string, AgentSignals>();
  const problems: string[] = [];
  await Promise.all(
    [...views.values()].map(async (v) => {
      const s = sessions.get(v.session);
      if (!s || !AGENT_STATES.has(v.state)) return;
      agents.set(v.session, await signals(v.session, v.state, s, v));
    }),
  );
  // Sessions about to be adopted with an agent: read what the state they are adopted into needs (events,
  // and the screen of one awaiting its prompt), so the pass that adopts them also decides for them.
  await Promise.all(
    [...sessions.values()].map(async (s) => {
      if (!s.owned || agents.has(s.name) || (views.get(s.name)?.state ?? 'absent') !== 'absent' || !AGENT_STATES.has(s.saved.state)) return;
      agents.set(s.name, await signals(s.name, s.saved.state === 'stopping' ? 'working' : s.saved.state, s));
    }),
  );
  const agentMissing = await agentProgramProblem(profile);
  return { now, tmux: tmuxState, sessions, queues, agents, problems, ...(agentMissing ? { agentMissing } : {}) };

  async function signals(session: string, state: string, s: ObservedSession, v?: SlotView): Promise<AgentSignals> {
    let hooks = EMPTY_SUMMARY;
    try {
      hooks = await readHookSummary(d.controller.stateDir, session);
    } catch (err) {
      problems.push(`${session}: ${(err as Error).message}`);
    }
    const needScreen =
      state === 'awaitingPrompt' ||
      // The prompt timeout's reason quotes the dialog the agent was showing, if any.
      (state === 'stopping' && v?.verdict?.cause === 'prompt-timeout') ||
      (state === 'working' && (!profile.hooks || profile.done === 'idle' || hooks.stopFailure !== undefined));
    let screenText: string | null = null;
    // A dead pane keeps its last screen (remain-on-exit): what the agent printed before it ended.
    if (needScreen || s.paneDead) screenText = await tmux.capturePane(s.paneId).catch(() => null);
    return { hooks, screenText, screen: screenText === null ? null : readScreen(profile.screen, screenText, profile.answers) };
  }
}
