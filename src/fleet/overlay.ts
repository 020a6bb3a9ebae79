import { join } from 'node:path';
import { projectSpec } from '../config/normalize.js';
import type { DesiredState } from '../config/types.js';

/** Where a host keeps its clones of the fleet's projects, one folder per project name. */
export function checkoutsDir(stateDir: string): string {
  return join(stateDir, 'fleet', 'checkouts');
}

/** The name a host's clone of a fleet project goes by in its logs and records (not the front door's name). */
export const checkoutName = (project: string): string => `${project}@fleet`;

/**
 * The desired state a controller in fleet mode runs, from its file's (pure; the file's, unchanged, without
 * `fleet:`). A front door's projects are marked so their tasks go to the fleet's queue, never to a slot
 * here; a host's clones of the fleet's projects (`checkouts`, by project name) become projects of its own,
 * a worktree per task on branches kept for the push. On a host every task runs once: the queue retries a
 * failed job, on whichever host takes it. A front door alone has no slots; a host alone has no inboxes.
 */
export function fleetDesired(d: DesiredState, checkouts: readonly string[]): DesiredState {
  if (!d.fleet) return d;
  const { role } = d.fleet;
  const own = role === 'host' ? [] : d.projects.map((p) => ({ ...p, fleet: 'front-door' as const }));
  const hosted = role === 'front-door' ? [] : checkouts.map((name) => ({
    ...projectSpec(join(checkoutsDir(d.controller.stateDir), name), {
      name: checkoutName(name),
      isolation: 'worktree',
      worktree: { baseRef: null, keep: 'failed', commit: 'auto', branches: 'keep' },
    }),
    fleet: 'checkout' as const,
  }));
  return {
    ...d,
    projects: [...own, ...hosted],
    pool: role === 'front-door' ? { ...d.pool, size: 0 } : d.pool,
    tasks: role === 'front-door' ? d.tasks : { ...d.tasks, maxAttempts: 1 },
  };
}
