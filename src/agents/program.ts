import type { AgentProfile } from '../config/types.js';
import { findExecutable } from '../util/which.js';
import { AGENTPOOL_DIR } from './launch.js';

/** The program a profile's command runs (placeholders of its first word filled). */
export function agentProgram(profile: AgentProfile): string {
  return (profile.command[0] ?? '').replace('{node}', process.execPath).replace('{agentpoolDir}', AGENTPOOL_DIR);
}

/** The PATH the agent's pane gets: the profile's env over the controller's. */
export function agentPath(profile: AgentProfile): string {
  return profile.env.PATH ?? process.env.PATH ?? '';
}

/**
 * Null when the profile's program can be run; else a sentence saying what is missing and what to do. Every
 * task would fail with such an agent, so the controller waits instead of burning the queue.
 */
export async function agentProgramProblem(profile: AgentProfile): Promise<string | null> {
  const program = agentProgram(profile);
  if (await findExecutable(program, agentPath(profile))) return null;
  const where = program.includes('/') ? '' : ` on PATH (${agentPath(profile)})`;
  return `agent program "${program}" of profile "${profile.name}" not found${where}: install it or set agents.${profile.name}.command; tasks wait in the queue until it is there`;
}
