/** What the hook events of the current agent run say, reduced to the facts the controller uses. */
export interface HookSummary {
  started: boolean;
  agentSessionId?: string;
  transcriptPath?: string;
  /** The prompts the agent reports as submitted, in order. */
  prompts: string[];
  stop?: { lastMessage: string };
  stopFailure?: { error: string; lastMessage: string };
}

export const EMPTY_SUMMARY: HookSummary = { started: false, prompts: [] };

/** Pure: the lines of an events file → a summary. Unparsable lines (a torn write) are skipped. */
export function summarizeEvents(text: string): HookSummary {
  const s: HookSummary = { started: false, prompts: [] };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (e === null || typeof e !== 'object') continue;
    const str = (k: string) => (typeof e[k] === 'string' ? (e[k] as string) : undefined);
    switch (e.hook_event_name) {
      case 'SessionStart':
        s.started = true;
        s.agentSessionId = str('session_id') ?? s.agentSessionId;
        s.transcriptPath = str('transcript_path') ?? s.transcriptPath;
        break;
      case 'UserPromptSubmit':
        s.prompts.push(str('prompt') ?? '');
        // A new turn: an earlier turn's end does not end this one.
        delete s.stop;
        delete s.stopFailure;
        break;
      case 'Stop':
        s.stop = { lastMessage: str('last_assistant_message') ?? '' };
        break;
      case 'StopFailure':
        s.stopFailure = { error: str('error') ?? 'unknown', lastMessage: str('last_assistant_message') ?? '' };
        break;
    }
  }
  return s;
}
