import { describe, expect, it } from 'vitest';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import { LARGE_SETTLE_MS, PASTE_SHOWS_MS, PIECE_BUDGET_MS, submitWaits } from '../../src/drivers/submit-waits.js';

const fake = SHIPPED_PROFILES.fake!;
const gemini = SHIPPED_PROFILES.gemini!;

describe('submitWaits', () => {
  it('gives a short task the waits it always had: one frame to show, the profile’s verify time', () => {
    const w = submitWaits(fake, '[a.md] Fix the typo.');
    expect(w).toMatchObject({ pieces: ['[a.md] Fix the typo.'], bytes: 20, settleMs: 0 });
    expect(w.showMs).toBe(PASTE_SHOWS_MS + 1);
    expect(w.verifyMs).toBe(fake.submitVerifyMs + 1); // 20 bytes: 0.2 ms, rounded up
  });

  it('grows every wait by 10 ms per KB: a 1 MB task gets 10 s more to show and after each Enter, and must hold still', () => {
    const w = submitWaits(fake, 'x'.repeat(1_000_000));
    expect(w.showMs).toBe(PASTE_SHOWS_MS + 10_000);
    expect(w.verifyMs).toBe(fake.submitVerifyMs + 10_000);
    expect(w.settleMs).toBe(LARGE_SETTLE_MS);
    expect(w.pieces).toHaveLength(1_250); // the fake profile pastes as Claude Code does: 800 characters a piece
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(submitWaits(fake, '✓'.repeat(1_000)).bytes).toBe(3_000);
  });

  it("keeps a profile's own enterDelay when it is longer than the stillness a long paste needs", () => {
    expect(submitWaits(gemini, 'short').settleMs).toBe(gemini.enterDelayMs);
    expect(submitWaits({ ...gemini, enterDelayMs: 400 }, 'y'.repeat(50_000)).settleMs).toBe(400);
  });

  it('budgets the whole submit, tmux’s share per piece included, for the prompt timeout', () => {
    const w = submitWaits(fake, 'x'.repeat(1_000_000));
    expect(w.budgetMs).toBe(1_250 * PIECE_BUDGET_MS + w.showMs + w.settleMs + (1 + fake.submitRetries) * w.verifyMs);
    expect(submitWaits(fake, 'short').budgetMs).toBeLessThan(fake.promptTimeoutMs);
  });
});
