import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import { DRIVER_KINDS, DRIVER_TABLE } from '../../src/config/types.js';
import { DRIVERS, HOOK_WIRINGS } from '../../src/drivers/index.js';

describe('driver kinds', () => {
  it('the schema offers exactly the kinds of DRIVER_KINDS', () => {
    const driver = configSchema().definitions?.agent?.properties?.driver;
    expect(driver?.enum).toEqual([...DRIVER_KINDS]);
  });

  it('every kind has its driver, and each driver and hook wiring says its own kind', () => {
    expect(Object.keys(DRIVERS).sort()).toEqual([...DRIVER_KINDS].sort());
    for (const [kind, driver] of Object.entries(DRIVERS)) expect(driver.kind).toBe(kind);
    for (const [kind, wiring] of Object.entries(HOOK_WIRINGS)) expect(wiring.kind).toBe(kind);
  });

  it('the kinds the table says take hooks are exactly those with a hook wiring', () => {
    expect(Object.keys(HOOK_WIRINGS).sort()).toEqual(DRIVER_KINDS.filter((k) => DRIVER_TABLE[k].hooks).sort());
  });

  it("knows Claude Code runs on the claude-hooks kind alone, the shipped claude's: a task that needs it falls back to that profile", () => {
    expect(DRIVER_KINDS.filter((k) => DRIVER_TABLE[k].claudeCode)).toEqual(['claude-hooks']);
    expect(DRIVER_TABLE[SHIPPED_PROFILES.claude!.driver].claudeCode).toBe(true);
  });
});
