/**
 * Runs before every test file: no test can reach a tmux server it did not start. TMUX_TMPDIR points at the
 * run's private folder (test/helpers/global-setup.ts), so even a command that forgot its socket flag lands
 * on a server inside it, never on the user's; TMUX and TMUX_PANE are removed so a suite run from inside
 * tmux does not inherit the user's server (tests that need them set them on purpose, for a child process).
 */
if (!process.env.AGENTPOOL_TEST_TMUX_TMPDIR) {
  throw new Error('test tmux guard: AGENTPOOL_TEST_TMUX_TMPDIR is not set; is test/helpers/global-setup.ts the globalSetup?');
}
process.env.TMUX_TMPDIR = process.env.AGENTPOOL_TEST_TMUX_TMPDIR;
delete process.env.TMUX;
delete process.env.TMUX_PANE;
