import { describe, expect, it } from 'vitest';
import { newLines } from '../../src/cli/logs.js';

describe('newLines (agentpool logs -f)', () => {
  it('gives what a pane capture adds to the one before', () => {
    expect(newLines([], ['a', 'b'])).toEqual(['a', 'b']);
    expect(newLines(['a', 'b'], ['a', 'b'])).toEqual([]);
    expect(newLines(['a', 'b'], ['a', 'b', 'c'])).toEqual(['c']);
    // The bottom redrawn: from the first line that differs.
    expect(newLines(['a', 'b', 'prompt'], ['a', 'b', 'answer', 'prompt'])).toEqual(['answer', 'prompt']);
    // The scrollback limit shifted everything up: after the overlap.
    expect(newLines(['a', 'b', 'c'], ['b', 'c', 'd'])).toEqual(['d']);
    // Nothing in common: another program in the pane.
    expect(newLines(['x'], ['y'])).toBeNull();
  });
});
