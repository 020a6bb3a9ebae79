import type { AgentProfile, DesiredState } from '../config/types.js';
import { sandboxArgv } from './bwrap.js';
import { sandboxLayout } from './layout.js';
import { sandboxDecision, sandboxFor } from './policy.js';
import { sandboxProblem } from './probe.js';

export interface SandboxStart {
  d: DesiredState;
  profile: AgentProfile;
  project: string;
  session: string;
  cwd: string;
  root: string;
  /** The agent's environment as it starts (its HOME decides where `~` is). */
  env: Record<string, string>;
}

/**
 * The argv an agent starts with: in its sandbox when its mode and this machine allow (`sandboxed`), as it
 * is when the mode is off or auto without a working sandbox, or a refusal saying why (on without one: it
 * never runs unsandboxed).
 */
export async function inSandbox(s: SandboxStart, argv: string[]): Promise<{ argv: string[]; sandboxed: boolean; problem?: string } | { refused: string }> {
  const project = s.d.projects.find((p) => p.path === s.project);
  const settings = sandboxFor(s.d, s.profile, project);
  const problem = settings.mode === 'off' ? null : await sandboxProblem();
  const decision = sandboxDecision(settings.mode, problem);
  if (decision === 'refuse') return { refused: `sandbox: on, and ${problem}` };
  if (decision === 'no') return { argv, sandboxed: false, ...(problem ? { problem } : {}) };
  const home = s.env.HOME ?? process.env.HOME ?? '/';
  const layout = await sandboxLayout({ d: s.d, settings, project, session: s.session, cwd: s.cwd, root: s.root, home });
  return { argv: sandboxArgv(layout, argv), sandboxed: true };
}
