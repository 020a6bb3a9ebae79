import { claudeConfigFile, recordFolderTrust } from '../agents/claude-trust.js';
import type { AgentDriver, AgentIO, DriverContext, Launch, LaunchSpec } from '../drivers/agent-driver.js';
import type { Act } from './act-context.js';
import { inSandbox } from '../sandbox/start.js';

/** What a launch for a task and a warm-up each bring to starting an agent in a pool session. */
export interface AgentStart {
  session: string;
  project: string;
  /** The task the agent is started for (AGENTPOOL_TASK); none for a warm-up. */
  task?: string;
  /** Where the agent runs, the folder whose trust covers it (projects[].trust), and the folder it may write. */
  cwd: string;
  trust: string;
  root: string;
  /** The driver's launch, asked for once the folder is trusted; a string says why there is none. */
  spec: () => Promise<LaunchSpec | string>;
  /** The record written after the driver prepared and before the process starts (write-ahead). */
  writeAhead?: (now: number, spec: LaunchSpec, sandboxed: boolean) => Promise<unknown>;
  /** Told why the agent could not start; nothing else happens after it. */
  fail: (reason: string) => Promise<void>;
}

/**
 * The steps every agent start takes, in this order: the folder's trust, the driver's private files, the
 * caller's write-ahead record, the process. Returns when it started and its argv, or null once `fail` was told why not.
 */
export async function startAgent(
  x: Act,
  agent: { driver: AgentDriver; c: DriverContext; io: AgentIO },
  s: AgentStart,
): Promise<{ now: number; argv: string[]; sandboxed: boolean } | null> {
  const { driver, c, io } = agent;
  const failed = async (reason: string) => (await s.fail(reason), null);
  const untrusted = await trustFolder(x, c, s.session, s.project, s.trust);
  if (untrusted) return failed(untrusted);
  const spec = await s.spec();
  if (typeof spec === 'string') return failed(spec);
  let started: Launch;
  try {
    started = await driver.prepare(c, spec);
  } catch (err) {
    return failed(`cannot prepare the session's private files: ${(err as Error).message}`);
  }
  const env = { ...started.env, AGENTPOOL_SESSION: s.session, ...(s.task !== undefined ? { AGENTPOOL_TASK: s.task } : {}), AGENTPOOL_PROJECT: s.project };
  const box = await inSandbox({ d: x.d, profile: c.profile, project: s.project, session: s.session, cwd: s.cwd, root: s.root, env }, started.argv).catch(
    (err: Error) => ({ refused: `cannot lay out the agent's sandbox: ${err.message}` }),
  );
  if ('refused' in box) return failed(box.refused);
  const now = x.clock.now();
  await s.writeAhead?.(now, spec, box.sandboxed);
  try {
    await io.backend.start(io.ref, { cwd: s.cwd, argv: box.argv, env });
  } catch (err) {
    return failed(`could not start the agent (${started.argv[0]}): ${(err as Error).message}`);
  }
  return { now, argv: started.argv, sandboxed: box.sandboxed };
}

/** Records the folder as trusted where the project asks it (projects[].trust); why it could not, or null. */
async function trustFolder(x: Act, c: DriverContext, session: string, projectPath: string, folder: string): Promise<string | null> {
  const project = x.d.projects.find((p) => p.path === projectPath);
  if (!project?.trust || c.profile.folderTrust !== 'claude-json') return null;
  const file = claudeConfigFile({ ...process.env, ...c.profile.env });
  try {
    if (await recordFolderTrust(file, folder)) x.log.info({ session, project: projectPath, folder, file }, 'recorded folder trust for the project (projects[].trust)');
    return null;
  } catch (err) {
    return `cannot record folder trust in ${file}: ${(err as Error).message}`;
  }
}
