import { DRIVER_TABLE, type AgentProfile, type DesiredState } from './types.js';

/**
 * What the desired state says about the pool: its session names and which profile runs a slot or a task.
 * Pure functions of the config, read alike by the reconciler, the controls and the views.
 */

/** The session names the pool should have, in slot order. */
export function desiredSlots(d: DesiredState): string[] {
  return Array.from({ length: d.pool.size }, (_, i) => `${d.pool.prefix}${d.pool.startIndex + i}`);
}

/** True for names of the form <prefix><digits>: a pool session name, in range or not. */
export function isPoolName(d: DesiredState, name: string): boolean {
  return name.startsWith(d.pool.prefix) && /^\d+$/.test(name.slice(d.pool.prefix.length));
}

export function slotIndex(d: DesiredState, name: string): number {
  return Number(name.slice(d.pool.prefix.length));
}

/**
 * The profile named `agent` (the one that launched a slot's agent), or the pool's when none is named or a
 * reload removed it. A slot keeps its agent's profile until that agent is gone, whatever `pool.agent` says.
 */
export function profileOf(d: DesiredState, agent: string | null | undefined): AgentProfile {
  return (agent ? d.agents[agent] : undefined) ?? d.agents[d.pool.agent]!;
}

/**
 * The profile a task runs on: the one it names (`agent:`), else its project's, else the pool's. A task
 * that needs Claude Code (`needs_claude_code: true`) runs on a Claude Code profile (one whose driver kind
 * runs it, DRIVER_TABLE) whatever that says: the pool's when it is one, else the shipped `claude`.
 */
export function taskProfile(d: DesiredState, task: { project: string; agent?: string; needsClaudeCode?: true }): AgentProfile {
  const chosen = profileOf(d, task.agent ?? d.projects.find((p) => p.path === task.project)?.agent);
  if (!task.needsClaudeCode || runsClaudeCode(chosen)) return chosen;
  const pool = profileOf(d, d.pool.agent);
  return runsClaudeCode(pool) ? pool : d.agents.claude!;
}

function runsClaudeCode(profile: AgentProfile): boolean {
  return DRIVER_TABLE[profile.driver].claudeCode;
}
