import type { DriverKind } from '../config/types.js';

/**
 * The versions of each agent CLI whose screens agentpool has captured and tests against (each has a
 * folder test/fixtures/screens/<cli>-<version>/; a unit test keeps these lists and the folders equal). The
 * last one is what the real-CLI tests pin. Other versions usually work, but their dialogs and limit
 * wording were never seen: `agentpool doctor` says so, and `npm run test:agents-latest` checks the newest.
 */
export const TESTED_CLIS: Partial<Record<DriverKind, { cli: string; name: string; versions: readonly string[] }>> = {
  'claude-hooks': { cli: 'claude', name: 'Claude Code', versions: ['2.1.197', '2.1.330'] },
  'codex-hooks': { cli: 'codex', name: 'Codex CLI', versions: ['0.171.0'] },
  'gemini-hooks': { cli: 'gemini', name: 'Gemini CLI', versions: ['0.61.0'] },
};

export const CLAUDE_VERSIONS = TESTED_CLIS['claude-hooks']!.versions;

/** `2.1.330 (Claude Code)`, `codex-cli 0.171.0` → the version; null when the text holds none. */
export function parseCliVersion(text: string): string | null {
  return /\b(\d+\.\d+\.\d+)\b/.exec(text)?.[1] ?? null;
}
