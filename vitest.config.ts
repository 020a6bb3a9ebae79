import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
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
 * tolerates a slow agent (a stall is a minute without progress), and then beside inside-tmux, once chaos
 * is over: the heavy files start in that order (HEAVY_ORDER), two at a time (inside-tmux used to run last,
 * alone, 20 s after Gemini's 75).
 */
const HEAVY_ORDER = ['test/integration/gemini.test.ts', 'test/integration/chaos.test.ts', 'test/integration/inside-tmux.test.ts'];
const HEAVY = HEAVY_ORDER;

/** The default order, but the heavy files in HEAVY_ORDER (each project runs its files in the order given). */
class HeavyLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => HEAVY_ORDER.findIndex((h) => f.moduleId.endsWith(h));
    const sorted = await super.sort(files);
    return [...sorted.filter((f) => rank(f) === -1), ...sorted.filter((f) => rank(f) !== -1).sort((a, b) => rank(a) - rank(b))];
  }
}

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/build-setup.ts'],
    setupFiles: ['test/helpers/isolate-tmux.ts'],
    // The real CLIs' files run two of their tests at a time (their describe is concurrent): a usage
    // limit's test spends most of a minute waiting for the reset it was given, and the file's other tests
    // run beside it meanwhile, each in a world of its own.
    maxConcurrency: 2,
    sequence: { sequencer: HeavyLast },
    testTimeout: 60_000,
    hookTimeout: 30_000,
    projects: [
      // The process-free files share one module graph per worker, as in `npm run test:unit` (vitest.lanes.ts).
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...STARTS_PROCESSES, ...MOCKS_MODULES, ...HEAVY], isolate: false, maxWorkers: 4, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'main', include: [...STARTS_PROCESSES, ...MOCKS_MODULES], exclude: HEAVY, maxWorkers: 4, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'heavy', include: HEAVY, maxWorkers: 2, sequence: { groupOrder: 1 } } },
    ],
  },
});
