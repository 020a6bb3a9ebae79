import { buildLaunch, sessionFiles } from '../agents/launch.js';
import { privateDir, writePrivateFile } from '../agents/private-files.js';
import { readScreen } from '../agents/screen.js';
import type { AgentDriver, AgentIO, AgentSignals, DriverContext, Launch, LaunchSpec } from './agent-driver.js';
import { screenCadence } from './cadence.js';
import { answerDialog, askToExit, pasteAndSubmit } from './terminal.js';
import { workingVerdict } from './verdict.js';

/**
 * The driver for a CLI agentpool can only watch: its screen says when it is ready, busy, limited or failed
 * (the profile's `screen` patterns), its process says when it ended. A pasted task is proven taken when the
 * screen turns busy.
 */
export const screenDriver: AgentDriver = {
  kind: 'screen',

  async prepare(c, launch) {
    return launchFiles(c, launch, {});
  },

  async read(c, io, at) {
    const wants = at.state === 'warming' || at.state === 'awaitingPrompt' || at.state === 'working' || (at.state === 'stopping' && at.cause === 'prompt-timeout');
    return { prompted: false, turn: null, ...(await screenSignals(c, io, wants || at.dead)) };
  },

  // Its screen is all it says: a working agent is looked at every second.
  pollMs: (state) => screenCadence(state, true),

  verdict: workingVerdict,

  submit(c, io, message) {
    // An agent that ended after the Enter took it too (one that is done when it exits can be that quick),
    // and a dead pane may no longer show what it printed: its exit status is the verdict's to read.
    const taken = async () =>
      readScreen(c.profile.screen, await io.backend.readScreen(io.ref)).busy || (await io.backend.list()).some((s) => s.ref === io.ref && s.process.dead);
    return pasteAndSubmit(c, io, message, taken, 'busy signal on screen');
  },

  answer: answerDialog,

  stop: askToExit,

  async identity() {
    return {};
  },
};

/**
 * The private files of one launch (settings, and the message for a profile that takes it as a file), the
 * argv and the env. The settings file is written even when empty: a command that passes {settings} needs it.
 */
export async function launchFiles(c: DriverContext, launch: LaunchSpec, settings: object, hooks = ''): Promise<Launch> {
  const files = sessionFiles(c.stateDir, c.session);
  await privateDir(files.dir);
  await writePrivateFile(files.settings, JSON.stringify(settings, null, 2));
  if (launch.message !== undefined) await writePrivateFile(files.prompt, launch.message);
  return buildLaunch(c.profile, {
    model: launch.model, settings: files.settings, session: c.session, eventsFile: files.events, hooks,
    project: launch.project, agentSessionId: launch.agentSessionId, resume: launch.resume,
    ...(launch.message !== undefined ? { prompt: launch.message, promptFile: files.prompt } : {}),
  });
}

/** The screen and what the profile's patterns read on it; nulls when not `wanted` or not readable. */
export async function screenSignals(c: DriverContext, io: AgentIO, wanted: boolean): Promise<Pick<AgentSignals, 'screen' | 'screenText'>> {
  // A dead pane keeps its last screen: what the agent printed before it ended.
  const screenText = wanted ? await io.backend.readScreen(io.ref).catch(() => null) : null;
  return { screenText, screen: screenText === null ? null : readScreen(c.profile.screen, screenText, c.profile.answers) };
}
