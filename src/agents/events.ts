/** What the hook events of the current agent run say, reduced to the facts the controller uses. */
export interface HookSummary {
  started: boolean;
  agentSessionId?: string;
  transcriptPath?: string;
  /** The prompts the agent reports as submitted, in order. */
  prompts: string[];
  /**
   * The last turn's end. `backgroundTasks`: what the agent said was still running when its turn ended
   * (Claude Code's `background_tasks`: shells, subagents); while any is, the task is not finished.
   */
  stop?: { lastMessage: string; backgroundTasks: string[] };
  stopFailure?: { error: string; lastMessage: string };
  /** When the last event was written (the events file's change time, ms); set by the reader of the file. */
  lastEventAt?: number;
}

export const EMPTY_SUMMARY: HookSummary = { started: false, prompts: [] };

/**
 * Pure: the lines of an events file → a summary. Unparsable lines (a torn write) are skipped. Claude Code
 * and Codex CLI name their events alike; Gemini CLI's BeforeAgent is a prompt taken, AfterAgent a turn's end.
 */
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
    const adoptSession = () => {
      s.agentSessionId = str('session_id') ?? s.agentSessionId;
      s.transcriptPath = str('transcript_path') ?? s.transcriptPath;
    };
    switch (e.hook_event_name) {
      case 'SessionStart':
        s.started = true;
        // Once a prompt went to a session, that is the one: a later start (Gemini CLI 0.61 starts a fresh
        // session with source "clear" as it exits) is not the task's.
        if (s.prompts.length === 0) adoptSession();
        break;
      case 'UserPromptSubmit':
      case 'BeforeAgent':
        // The session the prompt went to is the one to resume (Gemini CLI 0.61's SessionStart can name
        // another: a session it started before it took the one it was given with --session-id).
        adoptSession();
        s.prompts.push(str('prompt') ?? '');
        // A new turn: an earlier turn's end does not end this one.
        delete s.stop;
        delete s.stopFailure;
        break;
      case 'Stop':
        s.stop = { lastMessage: str('last_assistant_message') ?? '', backgroundTasks: describeTasks(e.background_tasks) };
        break;
      case 'AfterAgent':
        s.stop = { lastMessage: str('prompt_response') ?? '', backgroundTasks: [] };
        break;
      case 'StopFailure':
        s.stopFailure = { error: str('error') ?? 'unknown', lastMessage: str('last_assistant_message') ?? '' };
        break;
    }
  }
  return s;
}

/** Claude Code's `background_tasks` → one short description each (its description, command or kind and id). */
function describeTasks(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((t) => {
    if (typeof t === 'string') return t;
    if (t === null || typeof t !== 'object') return String(t);
    const o = t as Record<string, unknown>;
    const text = [o.description, o.command, o.name, o.summary].find((v) => typeof v === 'string' && v.trim() !== '') as string | undefined;
    const kind = [o.type, o.kind].find((v) => typeof v === 'string') as string | undefined;
    const id = [o.id, o.task_id, o.shell_id].find((v) => typeof v === 'string' || typeof v === 'number');
    const label = text ?? (kind && id !== undefined ? `${kind} ${id}` : JSON.stringify(o));
    return label.length > 120 ? `${label.slice(0, 120)}…` : label;
  });
}
