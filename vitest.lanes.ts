/**
 * Which test files need what, for both configs (vitest.config.ts: `npm test`; vitest.unit.config.ts: `npm
 * run test:unit`).
 */

/** Files that start tmux servers, agents, git, redis-server or controllers. Everything else is process-free. */
export const STARTS_PROCESSES = [
  'test/integration/**',
  'test/tmux/**',
  'test/backend/tmux.test.ts',
  'test/git/**',
  // Redis and the fleet's controllers; the rest of test/fleet/ is pure.
  'test/fleet/bullmq.test.ts',
  'test/fleet/leases.test.ts',
  'test/fleet/redis-facts.test.ts',
  'test/fleet/fleet-*.test.ts',
  'test/agents/fake-agent.test.ts',
  'test/agents/hook.test.ts',
  'test/util/processes.test.ts',
];

/**
 * Process-free files that replace a module (vi.mock) and so need a module graph of their own; the rest of
 * the process-free files share one per worker (isolate: false), which halves the lane's time: most of it
 * was importing the same modules again for each file.
 */
export const MOCKS_MODULES = ['test/reconciler/attempt-reads.test.ts'];
