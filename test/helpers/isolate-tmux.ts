/**
 * Runs before every test file: no test can reach a tmux server it did not start. TMUX_TMPDIR points at a
 * fresh private folder, so even a command that forgot its socket flag lands on a server inside it, never on
 * the user's; TMUX is removed so a suite run from inside tmux does not inherit the user's server.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (!process.env.AGENTPOOL_TEST_TMUX_TMPDIR) {
  process.env.AGENTPOOL_TEST_TMUX_TMPDIR = mkdtempSync(join(tmpdir(), 'agentpool-tmux-'));
}
process.env.TMUX_TMPDIR = process.env.AGENTPOOL_TEST_TMUX_TMPDIR;
delete process.env.TMUX;
delete process.env.TMUX_PANE;
