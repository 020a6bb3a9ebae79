import { splitForPaste } from '../agents/paste.js';
import type { AgentProfile } from '../config/types.js';

/**
 * How long each step of handing a task to an interactive agent may take, for a message of its size. The
 * rule comes from bench/paste.mjs (figures in bench/README.md): the fake agent on both tmux transports, on
 * a quiet machine and on one at load 9:
 *
 * - tmux takes the pieces at ~0.2–2 ms each over control mode and ~0.3 ms each over exec (which packs
 *   the pieces into a few processes; 9–25 ms a piece when each had one); the driver waits for that as it
 *   happens, so it needs no allowance here, but the slot's prompt timeout does (see `budgetMs`).
 * - The agent then reads behind what tmux took: the 1 MB line showed whole 2.6 s (quiet) and 4.8 s (load 9)
 *   after tmux took its last piece over control mode, up to ~4.8 ms per KB; meanwhile its screen never held
 *   still longer than 41 ms (quiet) or 129 ms (load 9). So a long paste has shown once the screen holds
 *   still LARGE_SETTLE_MS, and the wait for that grows by SHOW_MS_PER_KB: about twice the worst of each.
 * - An Enter takes 0.1–0.6 s to become a prompt hook event whatever the size, but it queues behind any of
 *   the paste the agent has not read yet: the wait after each Enter grows by the same per-KB allowance.
 */
export interface SubmitWaits {
  /** The pieces the message is pasted in (the profile's `pasteChunk`). */
  pieces: string[];
  /** UTF-8 bytes of the message. */
  bytes: number;
  /** How long the screen may take to show the paste before Enter is pressed anyway. */
  showMs: number;
  /** How long the screen must hold still before Enter (0: as soon as it changed). */
  settleMs: number;
  /** How long to wait for proof after each Enter. */
  verifyMs: number;
  /** The most the whole submit should take, tmux's share included: what the prompt timeout must allow. */
  budgetMs: number;
}

/** The wait for a paste to show, before the per-KB allowance: what a short task always had. */
export const PASTE_SHOWS_MS = 1_000;
/** Per KB (1,000 bytes) of message, added to the wait for the paste to show and to each wait for proof: twice the agent's worst measured lag. */
export const SHOW_MS_PER_KB = 10;
/** From this size on, a paste has shown only once the screen holds still (a short one shows in one frame). */
export const LARGE_PASTE_BYTES = 16_000;
/** The stillness that says a long paste has shown: over twice the longest measured between frames. */
export const LARGE_SETTLE_MS = 300;
/** What one piece may cost to paste, for the budget: five times the worst measured (control mode at load 9). */
export const PIECE_BUDGET_MS = 10;

/** Pure: the waits for handing `message` to an agent of `profile`. */
export function submitWaits(profile: AgentProfile, message: string): SubmitWaits {
  const pieces = splitForPaste(message, profile.pasteChunk);
  const bytes = Buffer.byteLength(message, 'utf8');
  const extraMs = Math.ceil((bytes / 1_000) * SHOW_MS_PER_KB);
  const showMs = PASTE_SHOWS_MS + extraMs;
  const settleMs = Math.max(profile.enterDelayMs, bytes >= LARGE_PASTE_BYTES ? LARGE_SETTLE_MS : 0);
  const verifyMs = profile.submitVerifyMs + extraMs;
  const budgetMs = pieces.length * PIECE_BUDGET_MS + showMs + settleMs + (1 + profile.submitRetries) * verifyMs;
  return { pieces, bytes, showMs, settleMs, verifyMs, budgetMs };
}
