import { deliversInArgv } from '../config/agents.js';
import { PRIORITIES, type AgentProfile, type DesiredState } from '../config/types.js';
import type { WarmAgent } from '../machines/types.js';
import { desiredSlots, profileOf } from '../config/pool.js';

/** A warm-up to plan: which idle slot starts which agent, with which model, for which project. */
export interface WarmUp {
  session: string;
  agent: string;
  model: string;
  project: string;
}

/**
 * Prewarm, as pure rules: which idle slots start an agent ahead of their task. At most `pool.prewarm`
 * agents are warm at once, counting `warm` (the warm agents there are) and `unknown` (slots whose actions
 * are running and may be starting one): a warm agent holds its memory for as long as it waits, so a pool
 * keeps a few for the next tasks, not one per slot. A warm agent runs the profile of one project (its own,
 * else the pool's) with the model most priorities share, in that project's folder; each warm-up goes to
 * a project with the fewest warm agents, so the projects take turns.
 * It is for profiles that paste the task: one that takes it in its argv has nothing to wait for. In a
 * project with isolation: worktree it waits in a worktree made ahead at the base commit, and the task it
 * takes gets that worktree on a branch of its own (workspace.ts).
 */
export function warmUps(d: DesiredState, idle: readonly string[], warm: ReadonlyArray<WarmAgent | null>, unknown = 0): WarmUp[] {
  const targets = d.projects.flatMap((p) => {
    const profile = profileOf(d, p.agent ?? d.pool.agent);
    return deliversInArgv(profile.command) ? [] : [{ project: p.path, agent: profile.name, model: warmModel(profile) }];
  });
  if (targets.length === 0) return [];
  const count = new Map(targets.map((t) => [t.project, 0]));
  for (const w of warm) if (w && count.has(w.project)) count.set(w.project, count.get(w.project)! + 1);
  const slots = desiredSlots(d);
  const out: WarmUp[] = [];
  for (const session of idle.slice(0, Math.max(0, d.pool.prewarm - warm.length - unknown))) {
    // Among the projects with fewest warm agents, the slot's own (slots take the projects in turn), so a
    // slot keeps warming for the same project while every slot may warm.
    const fewest = Math.min(...count.values());
    const open = targets.filter((t) => count.get(t.project) === fewest);
    const target = open.find((t) => t === targets[Math.max(0, slots.indexOf(session)) % targets.length]) ?? open[0]!;
    count.set(target.project, count.get(target.project)! + 1);
    out.push({ session, ...target });
  }
  return out;
}

/** The model most priorities map to; on a tie, the default priority's. */
export function warmModel(profile: AgentProfile): string {
  const count = new Map<string, number>();
  for (const p of PRIORITIES) count.set(profile.models[p], (count.get(profile.models[p]) ?? 0) + 1);
  let best = profile.models.default;
  for (const [model, n] of count) if (n > count.get(best)!) best = model;
  return best;
}

/** Whether a warm agent can take a task of `project` that needs `model` from the profile `agent`. */
export function fitsWarm(warm: WarmAgent | null, agent: string | null, want: { project: string; model: string; agent: string }): boolean {
  return warm !== null && agent === want.agent && warm.project === want.project && warm.model === want.model;
}
