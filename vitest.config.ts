import { defineConfig } from 'vitest/config';

/**
 * The two tests that run twenty agents at once (chaos, inside-tmux) run last and one at a time: beside the
 * rest of the suite on 2 cores an agent took seconds to show its prompt or take a paste, which those tests
 * rightly count as trouble. So do the real Gemini CLI's: two of them starting beside another test file took
 * more than 30 s to take a prompt in a CI run. Everything else runs two files at a time first.
 */
const HEAVY = ['test/integration/chaos.test.ts', 'test/integration/inside-tmux.test.ts', 'test/integration/gemini.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/build-setup.ts'],
    setupFiles: ['test/helpers/isolate-tmux.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    projects: [
      // Integration tests start tmux servers and agents; two cores do not like many at once.
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: HEAVY, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'heavy', include: HEAVY, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
