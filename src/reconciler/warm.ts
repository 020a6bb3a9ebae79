import { deliversInArgv } from '../config/agents.js';
import { PRIORITIES, type AgentProfile, type DesiredState } from '../config/types.js';
import type { WarmAgent } from '../machines/types.js';
import { desiredSlots, profileOf } from './pool.js';

/**
 * Prewarm, as pure rules: which idle slot starts which agent ahead of its task. A warm agent runs the
 * profile of one project (its own, else the pool's) with the model most priorities share, in that
 * project's folder; the slots take the projects in turn. It is for profiles that paste the task (one that
 * takes it in its argv has nothing to wait for) and for projects with isolation none (a worktree is made
 * per task, so no folder is known ahead).
 */
export function warmTarget(d: DesiredState, session: string): { agent: string; model: string; project: string } | null {
  if (!d.pool.prewarm) return null;
  const projects = d.projects.filter((p) => p.isolation === 'none');
  const i = desiredSlots(d).indexOf(session);
  if (projects.length === 0 || i === -1) return null;
  const project = projects[i % projects.length]!;
  const profile = profileOf(d, project.agent ?? d.pool.agent);
  if (deliversInArgv(profile.command)) return null;
  return { agent: profile.name, model: warmModel(profile), project: project.path };
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
