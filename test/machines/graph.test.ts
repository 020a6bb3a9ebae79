import { describe, expect, it } from 'vitest';
import { machineGraph } from '../../src/machines/graph.js';

describe('machineGraph', () => {
  it('draws the chart from the machine itself, with the labels users see', () => {
    const g = machineGraph();
    expect(g.split('\n')[0]).toBe('stateDiagram-v2');
    expect(g).toContain('state "awaiting-prompt" as awaitingPrompt');
    for (const edge of [
      'absent --> idle: CREATED',
      'idle --> launching: CLAIMED',
      'launching --> awaitingPrompt: LAUNCHED',
      'awaitingPrompt --> working: SUBMITTED',
      'awaitingPrompt --> stopping: timer',
      'working --> stopping: AGENT_ENDED',
      'stopping --> cooldown: STOPPED',
      'cooldown --> idle: timer',
      'working --> absent: VANISHED',
    ]) expect(g).toContain(`  ${edge}\n`);
  });
});
