import type { AgentProfile, DriverKind } from '../config/types.js';
import type { AgentDriver } from './agent-driver.js';
import { claudeHooksDriver, claudeWiring } from './claude-hooks.js';
import { codexDriver, codexWiring } from './codex.js';
import { geminiDriver, geminiWiring } from './gemini.js';
import type { HookWiring } from './hooks.js';
import { screenDriver } from './screen.js';

/** Every driver, by the name a profile gives in `driver:`. A new kind of CLI adds its file here. */
export const DRIVERS: Record<DriverKind, AgentDriver> = {
  'claude-hooks': claudeHooksDriver,
  'codex-hooks': codexDriver,
  'gemini-hooks': geminiDriver,
  screen: screenDriver,
};

/** How each hook-driven CLI takes its hooks: the kinds whose DRIVER_TABLE entry has `hooks`. */
export const HOOK_WIRINGS: Partial<Record<DriverKind, HookWiring>> = {
  'claude-hooks': claudeWiring,
  'codex-hooks': codexWiring,
  'gemini-hooks': geminiWiring,
};

export function driverFor(profile: AgentProfile): AgentDriver {
  return DRIVERS[profile.driver];
}
