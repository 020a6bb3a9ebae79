import { describe, expect, it } from 'vitest';
import { escapeArg } from '../../src/tmux/exec-client.js';
import { isTmuxError, TmuxError } from '../../src/tmux/errors.js';
import { parseRows, SEP, template } from '../../src/tmux/format.js';

describe('tmux -F templates', () => {
  it('joins fields with the unit separator and parses them back by name', () => {
    expect(template(['session_id', '@agentpool-pool'])).toBe(`#{session_id}${SEP}#{@agentpool-pool}`);
    const rows = parseRows(`$1${SEP}a b\n$2${SEP}\n`, ['id', 'pool'] as const, { command: 'tmux', args: [] });
    expect(rows).toEqual([{ id: '$1', pool: 'a b' }, { id: '$2', pool: '' }]);
  });

  it('refuses a line with the wrong number of fields instead of guessing', () => {
    try {
      parseRows(`$1${SEP}x${SEP}y\n`, ['id', 'pool'] as const, { command: 'tmux', args: ['list-panes'] });
      expect.unreachable();
    } catch (err) {
      expect(isTmuxError(err)).toBe(true);
      expect((err as TmuxError).message).toMatch(/3 fields where 2 were asked for/);
    }
  });
});

describe('escapeArg', () => {
  it('keeps a trailing ";" literal (tmux reads it as a command separator) and leaves other words alone', () => {
    expect(escapeArg('a;')).toBe('a\\;');
    expect(escapeArg('b\\;')).toBe('b\\\\;');
    expect(escapeArg('x;y')).toBe('x;y');
    expect(escapeArg('$(rm -rf /)')).toBe('$(rm -rf /)');
  });
});
