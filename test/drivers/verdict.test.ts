import { describe, expect, it } from 'vitest';
import { readScreen } from '../../src/agents/screen.js';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import type { AgentSignals } from '../../src/drivers/agent-driver.js';
import { workingVerdict } from '../../src/drivers/verdict.js';

const gemini = SHIPPED_PROFILES.gemini!;
const alive = { dead: false, status: null, signal: null };

function signals(screenText: string, stop?: string): AgentSignals {
  return {
    prompted: true,
    turn: stop !== undefined ? { ended: { lastMessage: stop, stillRunning: [] } } : {},
    screenText,
    screen: readScreen(gemini.screen, screenText, gemini.answers),
  };
}

describe('workingVerdict', () => {
  it('takes a turn whose end hook fired while the screen shows an error for failed (Gemini CLI ends a failed turn like any other)', () => {
    const text = ' > x\n✕ [API Error: exception TypeError: fetch failed sending request]\n *   Type your message or @path/to/file';
    expect(workingVerdict(gemini, signals(text, '[no response text]'), alive, 0)).toEqual({
      outcome: 'failed', reason: 'the agent showed an error: ✕ [API Error: exception TypeError: fetch failed sending request]',
    });
  });

  it('takes the end hook for done when the screen shows no error', () => {
    const text = ' > x\n✦ Finished.\n *   Type your message or @path/to/file';
    expect(workingVerdict(gemini, signals(text, 'Finished.'), alive, 0)).toEqual({ outcome: 'done', reason: 'the agent finished its turn', lastMessage: 'Finished.' });
  });
});
