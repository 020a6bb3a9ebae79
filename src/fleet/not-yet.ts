import type { DesiredState } from '../config/types.js';

/**
 * What a config with `fleet:` gets today: its Redis is checked (`agentpool doctor`) and the queue's engine
 * exists (src/fleet/), but no controller takes tasks from it or gives them to it yet. Said wherever the
 * config is read for a pool, so nobody believes tasks are shared across hosts.
 */
export function fleetNotYet(d: DesiredState): string | null {
  return d.fleet
    ? 'fleet: is read and doctor checks its Redis, but fleet mode does not run yet: this controller takes the tasks of its own inboxes, as without fleet:'
    : null;
}
