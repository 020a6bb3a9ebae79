import type { DesiredState } from '../config/types.js';

/** The session names the pool should have, in slot order. */
export function desiredSlots(d: DesiredState): string[] {
  return Array.from({ length: d.pool.size }, (_, i) => `${d.pool.prefix}${d.pool.startIndex + i}`);
}

/** True for names of the form <prefix><digits>: a pool session name, in range or not. */
export function isPoolName(d: DesiredState, name: string): boolean {
  return name.startsWith(d.pool.prefix) && /^\d+$/.test(name.slice(d.pool.prefix.length));
}

export function slotIndex(d: DesiredState, name: string): number {
  return Number(name.slice(d.pool.prefix.length));
}
