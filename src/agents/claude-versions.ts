/**
 * The Claude Code versions whose screens agentpool has captured and tests against (each has a folder
 * test/fixtures/screens/claude-<version>/; a unit test keeps this list and the folders equal). The last
 * one is what the real-CLI tests pin. Other versions usually work, but their dialogs and limit wording
 * were never seen: `agentpool doctor` says so, and `npm run test:claude-latest` checks the newest.
 */
export const CLAUDE_VERSIONS = ['2.1.197', '2.1.330'] as const;

/** `2.1.330 (Claude Code)` → `2.1.330`; null when the text holds no version. */
export function parseClaudeVersion(text: string): string | null {
  return /\b(\d+\.\d+\.\d+)\b/.exec(text)?.[1] ?? null;
}
