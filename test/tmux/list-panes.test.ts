/** listPanes over a transport that fails the way a tmux server does as it exits (no processes). */
import { describe, expect, it } from 'vitest';
import { TmuxCommands } from '../../src/tmux/commands.js';
import { TmuxError } from '../../src/tmux/errors.js';

class Failing extends TmuxCommands {
  readonly label = 'tmux -L t';
  constructor(private readonly stderr: string, private readonly kind: 'failed' | 'no-server') {
    super({ socket: 't' });
  }
  protected async run(args: readonly string[]): Promise<string> {
    throw new TmuxError(`tmux failed: ${this.stderr}`, 'tmux', [...args], this.stderr, 1, this.kind);
  }
  protected async runAll(): Promise<void> {}
  protected async loadBuffer(): Promise<void> {}
}

describe('listPanes', () => {
  it('takes a server that exits as its last session goes ("no current target") for one without panes', async () => {
    expect(await new Failing('no current target', 'failed').listPanes()).toEqual([]);
    expect(await new Failing('no server running on /tmp/tmux-0/t', 'no-server').listPanes()).toEqual([]);
    await expect(new Failing('unknown format', 'failed').listPanes()).rejects.toThrow(/unknown format/);
  });
});
