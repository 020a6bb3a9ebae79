import type { AgentProfile, DriverKind } from '../config/types.js';
import type { AgentDriver } from './agent-driver.js';
import { claudeHooksDriver } from './claude-hooks.js';
import { screenDriver } from './screen.js';

/** Every driver, by the name a profile gives in `driver:`. A new kind of CLI adds its file here. */
export const DRIVERS: Record<DriverKind, AgentDriver> = {
  'claude-hooks': claudeHooksDriver,
  screen: screenDriver,
};

export function driverFor(profile: AgentProfile): AgentDriver {
  return DRIVERS[profile.driver];
}
