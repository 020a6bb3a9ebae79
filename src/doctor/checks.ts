import { TESTED_CLIS } from '../agents/cli-versions.js';
import type { DriverKind } from '../config/types.js';
import type { RedisFacts } from '../fleet/redis-facts.js';

/** One finding of `agentpool doctor`: what was checked, how it stands, and what to do about it. */
export interface Finding {
  check: string;
  /** fail: every task would fail (doctor exits non-zero); warn: something to look at; ok: fine. */
  status: 'ok' | 'warn' | 'fail';
  message: string;
  fix?: string;
}

/** What doctor found on the machine, gathered by ./facts.ts; the checks below only read it. */
export interface Facts {
  config: { file: string; error?: string };
  tmux: { version: string | null };
  /**
   * How the pool's tmux server answered a listing, when tmux is installed and the config read:
   * none (no server yet), ok, refused (it takes connections and closes them), timeout, failed; with the
   * command channels on its socket whose controller is gone.
   */
  server?: { label: string; answer: 'none' | 'ok' | 'refused' | 'timeout' | 'failed'; message: string; strays: number[] };
  uid: number;
  /** Every agent the config puts to work: the pool's first, then the projects' own. */
  agents: AgentFacts[];
  /**
   * The first folder above the state directory that others may write, when an agent reads its hook
   * settings from there (Gemini CLI ignores a settings file below such a folder); null when none is.
   */
  stateDirOpenAt?: string | null;
  /** Fleet mode: what its Redis said (src/fleet/redis-facts.ts). */
  redis?: RedisFacts;
  /** The sandbox modes the config uses, and why no sandbox can start here (null: one can). */
  sandbox?: { modes: Array<'auto' | 'on' | 'off'>; problem: string | null };
  projects: Array<{
    path: string; exists: boolean; trustOption: boolean; trusted: boolean;
    /** Task worktrees (isolation: worktree) that no task refers to any more. */
    orphanedWorktrees: string[];
  }>;
}

export interface AgentFacts {
    name: string;
    driver: DriverKind;
    /** command[0] as configured, and where it was found (null: not found). */
    command: string;
    path: string | null;
    /** The agent runs Claude Code (its profile keeps folder trust in Claude Code's config). */
    claude: boolean;
    /**
     * The program is the CLI its profile's driver names (claude, codex, gemini), so doctor asked it for
     * `--version`. Doctor runs no other program: a generic profile's command is the user's own.
     */
    versionAsked: boolean;
    /** `--version` output, or null when it was not asked or said nothing. */
    versionText: string | null;
    version: string | null;
    /** The agent's environment as its pane gets it (the controller's, then the profile's env). */
    env: Record<string, string | undefined>;
    skipsPermissions: boolean;
    claudeConfig?: { file: string; json: Record<string, any> | null; error?: string };
    claudeSettings?: Record<string, any> | null;
    credentialsFile?: boolean;
}

/** Pure: the facts → findings, in the order a person fixes things. */
export function diagnose(f: Facts): Finding[] {
  const out: Finding[] = [];
  out.push(
    f.config.error
      ? { check: 'config', status: 'fail', message: `${f.config.file} cannot be used:\n${f.config.error}`, fix: 'fix the lines named above (agentpool validate shows the same)' }
      : { check: 'config', status: 'ok', message: f.config.file },
  );
  out.push(tmuxFinding(f.tmux.version));
  if (f.server) out.push(serverFinding(f.server));
  for (const a of f.agents) out.push(...agentFindings(a, f.uid));
  if (f.sandbox) out.push(sandboxFinding(f.sandbox));
  if (f.redis) out.push(...redisFindings(f.redis));
  if (f.stateDirOpenAt) {
    out.push({
      check: 'state dir', status: 'fail',
      message: `Gemini CLI ignores its hook settings below ${f.stateDirOpenAt}, which others may write: no task of a gemini agent would be seen to arrive or end`,
      fix: 'set controller.stateDir to a folder whose every parent only its owner (or root) can write, e.g. ~/.local/state/agentpool',
    });
  }
  const claude = f.agents.some((a) => a.claude);
  for (const p of f.projects) {
    out.push(projectFinding(p, claude));
    if (p.orphanedWorktrees.length) out.push(orphansFinding(p));
  }
  return out;
}

function serverFinding(s: NonNullable<Facts['server']>): Finding {
  const strays = s.strays.length ? `command channel${s.strays.length > 1 ? 's' : ''} of a controller that is gone (pid ${s.strays.join(', ')})` : '';
  const check = 'tmux server';
  switch (s.answer) {
    case 'none':
      return { check, status: 'ok', message: `no server runs on ${s.label} yet: the controller starts one` };
    case 'ok':
      return strays
        ? { check, status: 'warn', message: `${s.label} answers, with ${strays} attached: it would hold the server once told to exit`, fix: `a controller ends them when it starts; or kill ${s.strays.join(' ')}` }
        : { check, status: 'ok', message: `${s.label} answers` };
    case 'refused':
      return {
        check, status: 'fail', message: `${s.label} takes connections and closes them at once ("server exited unexpectedly")${strays ? `: ${strays} ${s.strays.length > 1 ? 'hold' : 'holds'} it` : ''}`,
        fix: strays ? `kill ${s.strays.join(' ')} (a running controller does it by itself); the server then exits` : 'end the server (ps -o pid,stat,args -C tmux); a running controller does it by itself after 15 s',
      };
    case 'timeout':
      return { check, status: 'fail', message: `${s.label} does not answer: ${s.message}`, fix: 'kill -CONT the server if it is stopped (state T in ps -o pid,stat,args -C tmux), or end it; a running controller ends it after 15 s' };
    default:
      return { check, status: 'fail', message: `${s.label} answered with an error: ${s.message}`, fix: 'look at the message; end the server if it persists' };
  }
}

/** The fleet's Redis: it answers, is new enough (6.2), keeps every key (noeviction) and writes an AOF. */
function redisFindings(r: RedisFacts): Finding[] {
  const check = 'fleet redis';
  if (r.error) return [{ check, status: 'fail', message: `${r.label} does not answer: ${r.error}`, fix: 'start it, or fix fleet.redis / fleet.sentinels' }];
  const out: Finding[] = [];
  const [major = 0, minor = 0] = (r.version ?? '').split('.').map(Number);
  if (major < 6 || (major === 6 && minor < 2)) out.push({ check, status: 'fail', message: `${r.label} runs Redis ${r.version}; the queue (BullMQ) needs 6.2 or newer`, fix: 'upgrade Redis (Debian 12 ships 7.0)' });
  if (r.policy !== 'noeviction') out.push({ check, status: 'fail', message: `${r.label} has maxmemory-policy ${r.policy ?? '(unknown: CONFIG GET is refused)'}: Redis may evict a job or its lock`, fix: 'set maxmemory-policy noeviction in redis.conf' });
  if (!r.aof) out.push({ check, status: 'warn', message: `${r.label} writes no AOF: a Redis restart loses the queue since its last snapshot`, fix: 'set appendonly yes (appendfsync everysec) in redis.conf' });
  return out.length ? out : [{ check, status: 'ok', message: `${r.label}: Redis ${r.version}, noeviction, AOF on` }];
}

function sandboxFinding(s: NonNullable<Facts['sandbox']>): Finding {
  const check = 'sandbox';
  const used = s.modes.filter((m) => m !== 'off');
  if (s.problem === null) {
    return used.length
      ? { check, status: 'ok', message: `bubblewrap starts a sandbox here: agents under sandbox: ${used.join(' and ')} run in it` }
      : { check, status: 'ok', message: 'bubblewrap starts a sandbox here; the config keeps agents out of it (sandbox: off)', fix: 'set pool.sandbox: auto to run each agent in one (README: What a task can touch)' };
  }
  const fix = 'install bubblewrap and socat (apt-get install bubblewrap socat); in a container, allow user namespaces (or run it --privileged)';
  if (used.includes('on')) return { check, status: 'fail', message: `sandbox: on, and ${s.problem}: its tasks wait and never run`, fix };
  if (used.includes('auto')) return { check, status: 'warn', message: `sandbox: auto, and ${s.problem}: agents run without one`, fix };
  return { check, status: 'ok', message: `sandbox: off (and ${s.problem})` };
}

function tmuxFinding(version: string | null): Finding {
  if (version === null) return { check: 'tmux', status: 'fail', message: 'tmux is not installed', fix: 'install it (apt-get install tmux, brew install tmux)' };
  const [major = 0, minor = 0] = (/(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
  if (major < 3) return { check: 'tmux', status: 'fail', message: `${version} is too old: agentpool needs tmux 3.0 or newer`, fix: 'install a newer tmux' };
  return { check: 'tmux', status: 'ok', message: version, ...(major === 3 && minor < 2 ? { fix: 'tested with 3.3a; 3.2 or newer is recommended' } : {}) };
}

function agentFindings(a: AgentFacts, uid: number): Finding[] {
  const out: Finding[] = [];
  if (a.path === null) {
    out.push({
      check: `agent ${a.name}`, status: 'fail', message: `the agent program "${a.command}" was not found${a.command.includes('/') ? '' : ' on PATH'}`,
      fix: a.claude ? 'install Claude Code (npm i -g @anthropic-ai/claude-code) or point agents.claude.command at your claude' : `install it or fix agents.${a.name}.command`,
    });
    return out;
  }
  out.push({ check: `agent ${a.name}`, status: 'ok', message: `${a.path}${a.versionText ? ` (${a.versionText.trim().split('\n')[0]})` : ''}` });
  const tested = TESTED_CLIS[a.driver];
  if (tested && a.versionAsked) out.push(versionFinding(a, tested));
  if (!a.claude) return out;

  if (uid === 0 && a.skipsPermissions && a.env.IS_SANDBOX !== '1') {
    out.push({
      check: 'root', status: 'fail', message: 'running as root, Claude Code refuses --dangerously-skip-permissions unless IS_SANDBOX=1',
      fix: `set agents.${a.name}.env.IS_SANDBOX: "1" (in a container or VM you can restore), or run as a normal user`,
    });
  }

  const cfg = a.claudeConfig;
  if (cfg?.error) {
    out.push({ check: 'claude config', status: 'fail', message: `${cfg.file}: ${cfg.error}`, fix: 'fix or remove the file, then run claude once by hand' });
  } else if (cfg && cfg.json?.hasCompletedOnboarding !== true) {
    out.push({
      check: 'onboarding', status: 'fail',
      message: `${cfg.file} ${cfg.json ? 'says Claude Code\'s first-run onboarding was never finished' : 'does not exist: Claude Code will start with its first-run onboarding'}, which needs the network and a person`,
      fix: `run claude once by hand with the same HOME${a.env.CLAUDE_CONFIG_DIR ? ' and CLAUDE_CONFIG_DIR' : ''} and finish it`,
    });
  } else if (cfg) {
    out.push({ check: 'onboarding', status: 'ok', message: `done (${cfg.file})` });
  }

  const key = a.env.ANTHROPIC_API_KEY;
  if (key) {
    const responses = cfg?.json?.customApiKeyResponses ?? {};
    const tail = key.slice(-20);
    if (Array.isArray(responses.approved) && responses.approved.includes(tail)) {
      out.push({ check: 'api key', status: 'ok', message: 'ANTHROPIC_API_KEY is approved for Claude Code' });
    } else if (Array.isArray(responses.rejected) && responses.rejected.includes(tail)) {
      out.push({ check: 'api key', status: 'fail', message: 'ANTHROPIC_API_KEY was rejected in Claude Code before: it will not use it', fix: 'approve it by running claude once by hand, or unset it' });
    } else {
      out.push({
        check: 'api key', status: 'fail', message: 'ANTHROPIC_API_KEY is set but Claude Code will first ask whether to use it; which credential to use is your call, so agentpool does not answer',
        fix: 'run claude once by hand with this key and answer Yes (it remembers the key by its last 20 characters)',
      });
    }
  } else if (!a.env.CLAUDE_CODE_OAUTH_TOKEN && !a.credentialsFile) {
    out.push({ check: 'credentials', status: 'warn', message: 'no ANTHROPIC_API_KEY, no CLAUDE_CODE_OAUTH_TOKEN and no saved login found', fix: 'log in once with claude (/login), or set one of them in agents.<name>.env' });
  }

  if (a.skipsPermissions) {
    const accepted = cfg?.json?.bypassPermissionsModeAccepted === true || a.claudeSettings?.skipDangerousModePermissionPrompt === true;
    out.push({ check: 'bypass mode', status: 'ok', message: accepted ? 'the bypass-permissions warning is pre-accepted' : 'the bypass-permissions warning will be answered on screen' });
  }
  return out;
}

function versionFinding(a: AgentFacts, tested: NonNullable<(typeof TESTED_CLIS)[DriverKind]>): Finding {
  const check = `${tested.cli} version`;
  if (a.version === null) return { check, status: 'warn', message: `"${a.path} --version" said nothing agentpool could read`, fix: 'run it by hand to see why' };
  if (!tested.versions.includes(a.version)) {
    return {
      check, status: 'warn',
      message: `${tested.name} ${a.version} has no captured screens in this agentpool (tested: ${tested.versions.join(', ')}): its dialogs and limit messages may not be recognised`,
      fix: `run npm run test:agents-latest from agentpool's source to check it, or pin a tested version`,
    };
  }
  return { check, status: 'ok', message: `${a.version} (screens captured and tested)` };
}

function orphansFinding(p: Facts['projects'][number]): Finding {
  const n = p.orphanedWorktrees.length;
  return {
    check: `project ${p.path}`, status: 'warn',
    message: `${n} task worktree${n === 1 ? '' : 's'} that no task refers to: ${p.orphanedWorktrees.join(', ')}`,
    fix: 'look at them, then `agentpool worktrees --prune` removes them (their branches stay; one with uncommitted work is refused)',
  };
}

function projectFinding(p: Facts['projects'][number], claude: boolean): Finding {
  if (!p.exists) return { check: `project ${p.path}`, status: 'warn', message: 'the folder does not exist: its tasks cannot run', fix: 'create or restore it, or remove it from projects' };
  if (!claude) return { check: `project ${p.path}`, status: 'ok', message: 'exists' };
  const trust = p.trusted ? 'trusted in Claude Code' : p.trustOption ? 'trust: true — recorded before the first launch' : 'not trusted yet — the folder-trust question is answered on screen';
  return { check: `project ${p.path}`, status: 'ok', message: trust };
}
