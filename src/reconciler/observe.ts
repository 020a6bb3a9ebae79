import type { ProjectQueue } from '../tasks/scan.js';
import { LiveUsage, priceTable } from '../costs/attempt-usage.js';
import { capOf, overCap } from '../costs/caps.js';
import { taskUsage, totalTokens } from '../costs/usage.js';
import { budgetWarnings, hasDayBudget } from '../costs/budget.js';
import { daySpend } from '../costs/ledger.js';
import { pino } from 'pino';
import { BackendError, type BackendSession, type SessionBackend } from '../backend/session-backend.js';
import type { DesiredState } from '../config/types.js';
import { driverFor } from '../drivers/index.js';
import type { ReadAt } from '../drivers/agent-driver.js';
import type { SlotState, SlotView } from '../machines/types.js';
import type { QueueScanner } from '../tasks/scan.js';
import { agentProgramProblem } from '../agents/program.js';
import { profileOf } from '../config/pool.js';
import type { AgentSignals, ObservedSession, Snapshot } from './snapshot.js';
import { pendingRequests } from '../controls/requests.js';
import { readCordoned } from '../controls/cordoned.js';
import { taskRules } from '../tasks/check.js';
import { locateDeps } from '../tasks/deps.js';
import { wantsSandbox } from '../sandbox/policy.js';
import { sandboxProblem as sandboxProblemHere } from '../sandbox/probe.js';

/** Slot states whose agent is read each pass. A ready (warm) agent is not: its process alone is watched. */
const AGENT_STATES = new Set<string>(['warming', 'launching', 'awaitingPrompt', 'working', 'stopping']);

/**
 * One observation of the world: one listing of the backend's sessions, a scan of every project's queue
 * (and which projects lack their queue folders),
 * for slots with an agent what its driver reads (its events, and its screen only where a decision needs
 * it), and a person's waiting requests and cordons.
 */
export async function observe(
  d: DesiredState,
  backend: SessionBackend,
  scanner: QueueScanner,
  views: ReadonlyMap<string, SlotView>,
  now: number,
): Promise<Snapshot> {
  const sessions = new Map<string, ObservedSession>();
  let listing: Snapshot['backend'] = { ok: true };
  try {
    for (const b of await backend.list()) if (!sessions.has(b.name)) sessions.set(b.name, observed(d, b));
  } catch (err) {
    listing = { ok: false, error: (err as Error).message, ...(err instanceof BackendError && err.kind === 'unavailable' ? { hopeless: true } : {}) };
  }

  const scanOptions = { now, settleMs: d.tasks.settleMs, ...taskRules(d) };
  const [queues, requests, cordoned] = await Promise.all([
    Promise.all(d.projects.map((p) => scanner.scan(p, scanOptions))),
    pendingRequests(d.controller.stateDir),
    readCordoned(d.controller.stateDir),
  ]);
  const unprepared = queues.filter((q) => q.unprepared).map((q) => q.project);
  const deps = await locateDeps(d, queues.flatMap((q) => [...q.pending, ...q.settling]));

  const agents = new Map<string, AgentSignals>();
  const problems: string[] = [];
  const read = async (session: string, agent: string, s: ObservedSession, at: ReadAt) => {
    const profile = profileOf(d, agent);
    const sig = await driverFor(profile).read({ profile, session, stateDir: d.controller.stateDir, log: silent }, { backend, ref: s.ref }, at);
    if (sig.problem) problems.push(sig.problem);
    agents.set(session, sig);
  };
  await Promise.all(
    [...views.values()].map(async (v) => {
      const s = sessions.get(v.session);
      if (!s || !AGENT_STATES.has(v.state)) return;
      await read(v.session, v.agent ?? '', s, { state: v.state, dead: s.process.dead, ...(v.verdict?.cause ? { cause: v.verdict.cause } : {}) });
    }),
  );
  // Sessions about to be adopted with an agent: read what the state they are adopted into needs (events,
  // and the screen of one awaiting its prompt), so the pass that adopts them also decides for them.
  await Promise.all(
    [...sessions.values()].map(async (s) => {
      if (!s.owned || agents.has(s.name) || (views.get(s.name)?.state ?? 'absent') !== 'absent' || !AGENT_STATES.has(s.saved.state)) return;
      const state = (s.saved.state === 'stopping' ? 'working' : s.saved.state) as SlotState;
      await read(s.name, s.saved.agent, s, { state, dead: s.process.dead });
    }),
  );
  const agentMissing = await agentProgramProblem(profileOf(d, d.pool.agent));
  const sandboxProblem = wantsSandbox(d) ? await sandboxProblemHere(now) : null;
  const spend = hasDayBudget(d) ? await daySpend(d.controller.stateDir, d.budgets.timeZone, now) : undefined;
  const capped = await capsPassed(d, views, queues, now);
  const budget = budgetWarnings(d, spend);
  return {
    now, backend: listing, sessions, queues, deps, agents, problems, requests, cordoned, unprepared,
    ...(spend ? { spend } : {}), ...(budget.length ? { budget } : {}), ...(capped.size ? { overCap: capped } : {}),
    ...(agentMissing ? { agentMissing } : {}), ...(sandboxProblem ? { sandboxProblem } : {}),
  };
}

function observed(d: DesiredState, b: BackendSession): ObservedSession {
  return {
    name: b.name,
    ref: b.ref,
    process: b.process,
    owned: b.tags.pool === d.pool.prefix || b.createdHere,
    tags: { pool: b.tags.pool, slot: b.tags.slot },
    saved: { state: b.tags.state, task: b.tags.task, until: b.tags.until ? Number(b.tags.until) : null, agent: b.tags.agent },
  };
}

/** Drivers log while they act; reading is quiet. */
const silent = pino({ level: 'silent' });

/** How often a working agent's spend is read against its task's cap (what its session file gained since the last look). */
const CAP_LOOK_MS = 2_000;
const capLooks = new Map<string, { at: number; over: string | null }>();
/** Each working session's usage reader: its session file followed as it grows. */
const liveReaders = new Map<string, LiveUsage>();

/**
 * The working slots whose task spent its cap (budgets.task, or its own from `agentpool resume`): what its
 * ended attempts spent and what the working one has spent so far, read from its CLI's session file at
 * most every CAP_LOOK_MS. Session → why.
 */
async function capsPassed(d: DesiredState, views: ReadonlyMap<string, SlotView>, queues: readonly ProjectQueue[], now: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const table = priceTable(d);
  const active = new Map(queues.flatMap((q) => q.active.map((t) => [t.path, t] as const)));
  for (const v of views.values()) {
    if (v.state !== 'working' || !v.task) continue;
    const a = active.get(v.task);
    const cap = a ? capOf(d, a.sidecar.cap) : null;
    if (!a || !cap) continue;
    const last = capLooks.get(v.session);
    if (last && now - last.at < CAP_LOOK_MS) {
      if (last.over) out.set(v.session, last.over);
      continue;
    }
    const profile = profileOf(d, v.agent ?? '');
    // Its session file, as its hooks named it (the sidecar gets it when the attempt ends).
    const transcriptPath = a.sidecar.transcriptPath
      ?? (await driverFor(profile).identity({ profile, session: v.session, stateDir: d.controller.stateDir, log: silent }).catch(() => ({} as { transcriptPath?: string }))).transcriptPath ?? null;
    const files = { ...a.sidecar, transcriptPath };
    let reader = liveReaders.get(v.session);
    if (!reader?.isFor(files)) liveReaders.set(v.session, (reader = new LiveUsage(profile, files)));
    const live = await reader.read(now, table).catch(() => undefined);
    // Its ended attempts and the working one, summed as its record will sum them.
    const spent = taskUsage([...a.sidecar.history.map((h) => h.usage), live]);
    const over = spent ? overCap(cap, { cost: spent.attempts ? spent.cost : 0, tokens: totalTokens(spent.tokens) }) : null;
    capLooks.set(v.session, { at: now, over });
    if (over) out.set(v.session, over);
  }
  for (const s of capLooks.keys()) if (views.get(s)?.state !== 'working') capLooks.delete(s);
  for (const s of liveReaders.keys()) if (views.get(s)?.state !== 'working') liveReaders.delete(s);
  return out;
}
