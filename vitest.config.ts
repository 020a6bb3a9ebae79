import { defineConfig } from 'vitest/config';
import { MOCKS_MODULES, STARTS_PROCESSES } from './vitest.lanes.js';

/**
 * Everything but the heaviest files runs first, four files at a time: many integration tests spend long
 * stretches waiting (a usage limit's reset, a stopped server's deadline, a controller's deadline), and with
 * three at a time both cores were idle a quarter of the run (four took 234 s where three took 255 s on
 * this 2-core machine; when most of the work was Node starts, four were no faster than three).
 *
 * Then the files that run many agents at once under a killer or a foreign tmux (chaos, inside-tmux), and
 * the real Gemini CLI's (two of them starting beside other test files took over 30 s to take a prompt):
 * beside the rest of the suite on 2 cores an agent took seconds to show its prompt or take a paste, which
 * inside-tmux rightly counts as trouble (side by side, chaos and inside-tmux took as long as one after the
 * other: the machine is the limit). Gemini's file, which mostly waits for its CLI, runs beside chaos, which
 * tolerates a slow agent (a stall is a minute without progress); inside-tmux runs last, alone.
 */
const GEMINI_AND_CHAOS = ['test/integration/chaos.test.ts', 'test/integration/gemini.test.ts'];
const ALONE = ['test/integration/inside-tmux.test.ts'];
const HEAVY = [...GEMINI_AND_CHAOS, ...ALONE];

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/build-setup.ts'],
    setupFiles: ['test/helpers/isolate-tmux.ts'],
    // The real CLIs' files run two of their tests at a time (their describe is concurrent): a usage
    // limit's test spends most of a minute waiting for the reset it was given, and the file's other tests
    // run beside it meanwhile, each in a world of its own.
    maxConcurrency: 2,
    testTimeout: 60_000,
    hookTimeout: 30_000,
    projects: [
      // The process-free files share one module graph per worker, as in `npm run test:unit` (vitest.lanes.ts).
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...STARTS_PROCESSES, ...MOCKS_MODULES, ...HEAVY], isolate: false, maxWorkers: 4, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'main', include: [...STARTS_PROCESSES, ...MOCKS_MODULES], exclude: HEAVY, maxWorkers: 4, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'heavy', include: GEMINI_AND_CHAOS, maxWorkers: 2, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 2 } } },
    ],
  },
});
