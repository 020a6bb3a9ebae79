import { defineConfig } from 'vitest/config';

/**
 * The edit–test loop (`npm run test:unit`): the tests that start no tmux server, no agent and no
 * controller, in seconds. `npm test` runs them with everything else (vitest.config.ts).
 */
const STARTS_PROCESSES = [
  'test/integration/**',
  'test/tmux/**',
  'test/backend/tmux.test.ts',
  'test/git/**',
  'test/agents/fake-agent.test.ts',
  'test/util/processes.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/isolate-tmux.ts'],
    include: ['test/**/*.test.ts'],
    exclude: STARTS_PROCESSES,
  },
});
