import { defineConfig } from 'vitest/config';
import { MOCKS_MODULES, STARTS_PROCESSES } from './vitest.lanes.js';

/**
 * The edit–test loop (`npm run test:unit`): the tests that start no tmux server, no agent and no
 * controller, in seconds. `npm test` runs them with everything else (vitest.config.ts).
 */
export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/isolate-tmux.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...STARTS_PROCESSES, ...MOCKS_MODULES], isolate: false } },
      { extends: true, test: { name: 'unit-mocks', include: MOCKS_MODULES } },
    ],
  },
});
