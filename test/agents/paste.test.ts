import { describe, expect, it } from 'vitest';
import { splitForPaste } from '../../src/agents/paste.js';

const LIMIT = { chars: 800, newlines: 2 };

describe('splitForPaste', () => {
  it('keeps a short text whole and joins back to exactly the text', () => {
    expect(splitForPaste('[t.md] fix it', LIMIT)).toEqual(['[t.md] fix it']);
    expect(splitForPaste('', LIMIT)).toEqual([]);
    expect(splitForPaste('x'.repeat(5000), null)).toEqual(['x'.repeat(5000)]);
  });

  it('cuts at 800 characters and at 2 line breaks a piece, whichever comes first', () => {
    expect(splitForPaste('x'.repeat(801), LIMIT).map((p) => p.length)).toEqual([800, 1]);
    expect(splitForPaste('a\nb\nc\nd', LIMIT)).toEqual(['a\nb\nc', '\nd']);
  });

  it('never cuts inside a surrogate pair, and every piece keeps within the limits', () => {
    const text = `${'日本語 ✓ 😀 '.repeat(300)}\n${Array.from({ length: 50 }, (_, i) => `line ${i} 🚀`).join('\n')}`;
    const pieces = splitForPaste(text, LIMIT);
    expect(pieces.join('')).toBe(text);
    for (const p of pieces) {
      expect([...p].length).toBeLessThanOrEqual(800);
      expect(p.split('\n').length - 1).toBeLessThanOrEqual(2);
      expect(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(p)).toBe(false);
    }
  });
});
