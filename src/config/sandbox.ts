import type { RawSandbox } from './raw.js';
import type { SandboxSettings } from './types.js';

/** One level's `sandbox:` as written (a mode, or a mode with lists) → its settings. */
export function sandboxSettings(raw: RawSandbox | undefined): SandboxSettings {
  if (raw === undefined) return { allow: [], write: [], hide: [] };
  if (typeof raw === 'string') return { mode: raw, allow: [], write: [], hide: [] };
  return { ...(raw.mode ? { mode: raw.mode } : {}), allow: [...(raw.allow ?? [])], write: [...(raw.write ?? [])], hide: [...(raw.hide ?? [])] };
}

/** `over` on top of `base`: its mode if it sets one, the lists of both. */
export function addSandbox(base: SandboxSettings, over: SandboxSettings): SandboxSettings {
  const mode = over.mode ?? base.mode;
  return { ...(mode ? { mode } : {}), allow: [...new Set([...base.allow, ...over.allow])], write: [...new Set([...base.write, ...over.write])], hide: [...new Set([...base.hide, ...over.hide])] };
}
