import type { SlotState } from '../machines/types.js';

/*
 * Nothing wakes the controller when a screen changes: a hook writes a watched file, a session coming or
 * going is a backend notification, but a prompt, a dialog or an error that shows on screen only is seen
 * when someone looks. These are how often a driver asks for that look (one screen read per such slot).
 */

/** A starting agent: its prompt (or a dialog in the way) shows on screen only, and the task waits for it. */
export const STARTING_POLL_MS = 100;
/** A working agent whose end or failure only its screen may show: seen within a second of showing. */
export const WORKING_POLL_MS = 1_000;

/**
 * The cadence of a driver that reads a starting agent's screen, and a working agent's when `screenEnds`
 * (its screen alone may say the turn ended or failed); null where its triggers and the resync suffice.
 */
export function screenCadence(state: SlotState, screenEnds: boolean): number | null {
  if (state === 'warming' || state === 'awaitingPrompt') return STARTING_POLL_MS;
  if (state === 'working' && screenEnds) return WORKING_POLL_MS;
  return null;
}
