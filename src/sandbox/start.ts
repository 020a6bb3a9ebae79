import type { AgentProfile, DesiredState } from '../config/types.js';
import { sandboxArgv } from './bwrap.js';
import { sandboxLayout } from './layout.js';
import { sandboxDecision, sandboxFor } from './policy.js';
import { sandboxProblem } from './probe.js';

/**
 * The loopback API endpoints the agent's environment points it at (`ANTHROPIC_BASE_URL`,
 * `GOOGLE_GEMINI_BASE_URL`, any `*_BASE_URL` or `*_API_URL`), as host:port: the addresses its CLI needs,
 * allowed without a word in the config. A remote endpoint is not (remote hosts are not relayed yet).
 */
export function endpointsIn(env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!/_(BASE_URL|API_URL)$/.test(key) || !value) continue;
    const url = URL.canParse(value) ? new URL(value) : null;
    if (!url || !/^https?:$/.test(url.protocol) || !/^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost)$/.test(url.hostname)) continue;
    out.push(`${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`);
  }
  return out;
}

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
  const allow = [...new Set([...settings.allow, ...endpointsIn({ ...process.env, ...s.env })])];
  const layout = await sandboxLayout({ d: s.d, settings: { ...settings, allow }, project, session: s.session, cwd: s.cwd, root: s.root, home, env: s.env });
  return { argv: sandboxArgv(layout, argv), sandboxed: true };
}
