import { dialogText } from '../agents/menu.js';
import type { Verdict } from '../machines/types.js';
import type { AgentSignals } from './snapshot.js';

/**
 * Pure: the verdict of a timer (prompt or task timeout) made specific with what the agent showed or still
 * ran when it fired, so a person reading the record knows what to do. Other verdicts pass unchanged.
 */
export function explainVerdict(verdict: Verdict, sig: AgentSignals | undefined, agent: string): Verdict {
  if (verdict.cause === 'prompt-timeout' && sig?.screen?.dialog && sig.screenText) {
    const text = dialogText(sig.screenText);
    const answer = sig.screen.answer;
    return {
      ...verdict,
      reason: answer
        ? `the dialog "${answer.name}" was still showing at the prompt timeout (its answer did not take): "${text}"`
        : `the agent showed a dialog agentpool does not answer, and no ready prompt before the prompt timeout: "${text}". ` +
          `Answer it once by hand (tmux attach), pre-set it in the agent's own settings, or add it to agents.${agent}.answers`,
    };
  }
  const running = sig?.turn?.ended?.stillRunning ?? [];
  if (verdict.cause === 'task-timeout' && running.length > 0) {
    return { ...verdict, reason: `${verdict.reason}; its turn had ended, but it was still running: ${running.join(', ')}` };
  }
  return verdict;
}
