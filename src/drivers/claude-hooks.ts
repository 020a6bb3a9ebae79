import { rename } from 'node:fs/promises';
import { EMPTY_SUMMARY, type HookSummary } from '../agents/events.js';
import { hookSettings, readHookSummary, sessionFiles } from '../agents/launch.js';
import { privateDir, writePrivateFile } from '../agents/private-files.js';
import type { AgentDriver } from './agent-driver.js';
import { launchFiles, screenDriver, screenSignals } from './screen.js';
import { pasteAndSubmit } from './terminal.js';

/**
 * The driver for Claude Code (and agents that speak its hooks): agentpool passes settings whose hooks
 * append every SessionStart, UserPromptSubmit, Stop and StopFailure to a per-session events file
 * (src/agents/hook.ts), and reads that file. A prompt is proven taken by its UserPromptSubmit; a turn's
 * end by Stop. The screen is read for what hooks do not tell: the ready prompt, dialogs, limits.
 */
export const claudeHooksDriver: AgentDriver = {
  ...screenDriver,
  kind: 'claude-hooks',

  async prepare(c, launch) {
    const files = sessionFiles(c.stateDir, c.session);
    await privateDir(files.dir);
    // A fresh events file per launch: everything in it is about this task.
    await rename(files.events, `${files.events}.prev`).catch(() => {});
    await writePrivateFile(files.events, '');
    return launchFiles(c, launch, hookSettings(files.events));
  },

  async read(c, io, at) {
    let events: HookSummary = EMPTY_SUMMARY;
    let problem: string | undefined;
    try {
      events = await readHookSummary(c.stateDir, c.session);
    } catch (err) {
      problem = `${c.session}: ${(err as Error).message}`;
    }
    const wants =
      at.state === 'warming' ||
      at.state === 'awaitingPrompt' ||
      (at.state === 'stopping' && at.cause === 'prompt-timeout') ||
      (at.state === 'working' && (c.profile.done === 'idle' || events.stopFailure !== undefined));
    return { prompted: events.prompts.length > 0, events, ...(await screenSignals(c, io, wants || at.dead)), ...(problem ? { problem } : {}) };
  },

  submit(c, io, message) {
    const taken = async () => (await readHookSummary(c.stateDir, c.session)).prompts.length > 0;
    return pasteAndSubmit(c, io, message, taken, 'UserPromptSubmit hook event');
  },

  async identity(c) {
    const events = await readHookSummary(c.stateDir, c.session).catch(() => EMPTY_SUMMARY);
    return {
      ...(events.agentSessionId ? { agentSessionId: events.agentSessionId } : {}),
      ...(events.transcriptPath ? { transcriptPath: events.transcriptPath } : {}),
    };
  },
};
