import { rename } from 'node:fs/promises';
import { EMPTY_SUMMARY, type HookSummary } from '../agents/events.js';
import { hookCommand, readHookSummary, sessionFiles } from '../agents/launch.js';
import { privateDir, writePrivateFile } from '../agents/private-files.js';
import type { AgentProfile, DriverKind } from '../config/types.js';
import type { AgentDriver, AgentTurn } from './agent-driver.js';
import { screenCadence } from './cadence.js';
import { launchFiles, screenDriver, screenSignals } from './screen.js';
import { pasteAndSubmit } from './terminal.js';

/**
 * How one CLI's hooks are wired to agentpool's hook script (src/agents/hook.sh), which appends each
 * event's payload to the session's events file. Every CLI driven this way reports a session's start, a
 * prompt taken and a turn's end, each in its own words (src/agents/events.ts reads them all).
 */
export interface HookWiring {
  kind: DriverKind;
  /** The settings file of one launch ({settings}), given the hook command line. */
  settings(command: string): object;
  /** The hooks as the CLI takes them in its argv ({hooks}); '' when it takes them from {settings}. */
  argv?(command: string): string;
  /**
   * True when the CLI can fail a turn without a hook saying so (Codex 0.171 fires none; Gemini CLI 0.61
   * none after a terminal quota error): the screen of a working agent is then read every pass, and looked
   * at every second, for the error or limit it shows.
   */
  failsOnScreen: boolean;
  /**
   * True when the CLI draws its prompt before it can take one, and its SessionStart hook says when it can
   * (Gemini CLI 0.61 shows its input line about three seconds before it has started; text pasted meanwhile
   * can lose characters). Such an agent is ready once that hook fired, START_SETTLE_MS have passed since
   * (what the CLI does next shows on screen by then), and its screen is not busy.
   */
  readyAfterStart?: boolean;
}

/**
 * How long after its SessionStart hook a `readyAfterStart` agent's screen is trusted: Gemini CLI 0.61,
 * resuming a session, clears its screen and turns its input off to load the conversation right after that
 * hook, and its old screen with an empty input line stays for ~0.1 s (a paste then is lost whole). Ten
 * times that, for a busy machine; its start takes 3-6 s anyway.
 */
export const START_SETTLE_MS = 1_000;

/** Whether only the screen may say that a working agent's turn ended: a failure no hook reports, or a profile done when idle. */
function screenEnds(w: HookWiring, profile: AgentProfile): boolean {
  return w.failsOnScreen || profile.done === 'idle';
}

/** Hooks in the shape Claude Code and Gemini CLI share in their settings: each event runs the one command. */
export function hookTable(events: readonly string[], command: string): Record<string, unknown> {
  return Object.fromEntries(events.map((e) => [e, [{ hooks: [{ type: 'command', command }] }]]));
}

/**
 * The driver for a CLI that reports through hooks: a prompt is proven taken by its prompt event, a turn's
 * end by its stop event. The screen is read for what hooks do not tell: the ready prompt, dialogs, limits,
 * and failed turns where no hook reports them.
 */
export function hookDriver(w: HookWiring): AgentDriver {
  return {
    ...screenDriver,
    kind: w.kind,

    async prepare(c, launch) {
      const files = sessionFiles(c.stateDir, c.session);
      await privateDir(files.dir);
      // A fresh events file per launch: everything in it is about this task.
      await rename(files.events, `${files.events}.prev`).catch(() => {});
      await writePrivateFile(files.events, '');
      const command = hookCommand(files.events);
      return launchFiles(c, launch, w.settings(command), w.argv?.(command) ?? '');
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
        (at.state === 'working' && (screenEnds(w, c.profile) || events.stopFailure !== undefined));
      const seen = await screenSignals(c, io, wants || at.dead);
      if (w.readyAfterStart && seen.screen) {
        const starting = at.state === 'warming' || at.state === 'awaitingPrompt';
        const settled = events.started && (!starting || Date.now() - (events.lastEventAt ?? Infinity) >= START_SETTLE_MS);
        seen.screen = { ...seen.screen, ready: seen.screen.ready && settled && !seen.screen.busy };
      }
      const turn = hookTurn(events);
      // A CLI that says a turn failed only on its screen may fire the turn's end before it draws the error
      // (Gemini CLI 0.61: AfterAgent, then "[API Error …]"): the end counts once its prompt is back.
      if (w.failsOnScreen && at.state === 'working' && turn.ended && seen.screen && !(seen.screen.ready && !seen.screen.busy)) delete turn.ended;
      return { prompted: events.prompts.length > 0, turn, ...seen, ...(problem ? { problem } : {}) };
    },

    // A StopFailure is a hook (the events file wakes the loop): only a screen that alone ends a turn is polled.
    pollMs: (state, profile) => screenCadence(state, screenEnds(w, profile)),

    submit(c, io, message) {
      const taken = async () => (await readHookSummary(c.stateDir, c.session)).prompts.length > 0;
      return pasteAndSubmit(c, io, message, taken, 'prompt hook event');
    },

    async identity(c) {
      const events = await readHookSummary(c.stateDir, c.session).catch(() => EMPTY_SUMMARY);
      return {
        ...(events.agentSessionId ? { agentSessionId: events.agentSessionId } : {}),
        ...(events.transcriptPath ? { transcriptPath: events.transcriptPath } : {}),
      };
    },
  };
}

/** The current turn as the hooks tell it: a stop event ends it, a StopFailure fails it (`rate_limit`: a limit). */
export function hookTurn(events: HookSummary): AgentTurn {
  const { stop, stopFailure } = events;
  return {
    ...(stop ? { ended: { lastMessage: stop.lastMessage, stillRunning: stop.backgroundTasks } } : {}),
    ...(stopFailure ? { failed: { ...stopFailure, limited: stopFailure.error === 'rate_limit' } } : {}),
  };
}
