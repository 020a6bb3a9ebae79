import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHIPPED_PROFILES } from '../../src/config/profiles.js';
import { readScreen } from '../../src/agents/screen.js';
import { plan } from '../../src/reconciler/plan.js';
import { explainVerdict } from '../../src/reconciler/explain.js';
import { active, desired, observed, queue, signals, snapshot, view, views, WEBAPP } from './fixtures.js';

const claude = SHIPPED_PROFILES.claude!;
const screen = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'screens', 'claude-2.1.197', `${name}.txt`), 'utf8');
const seeing = (name: string) => signals({ screenText: screen(name), screen: readScreen(claude.screen, screen(name), claude.answers) });
const promptTimeout = { outcome: 'failed' as const, reason: 'the agent showed no ready prompt before the prompt timeout (agents.<name>.promptTimeout)', cause: 'prompt-timeout' as const };
const taskTimeout = { outcome: 'failed' as const, reason: 'the task ran past the task timeout; raise agents.<name>.taskTimeout if it needs longer', cause: 'task-timeout' as const };

describe('explainVerdict', () => {
  it("quotes a dialog nobody answers, so a person sees what the agent asked", () => {
    const v = explainVerdict(promptTimeout, seeing('api-key-dialog'), 'claude');
    expect(v.reason).toBe(
      'the agent showed a dialog agentpool does not answer, and no ready prompt before the prompt timeout: "Detected a custom API key in your environment / ' +
        'ANTHROPIC_API_KEY: sk-ant-...-test-key-0000000000 / Do you want to use this API key? / 1. Yes / ❯ 2. No (recommended) / Enter to confirm · Esc to cancel". ' +
        "Answer it once by hand (tmux attach), pre-set it in the agent's own settings, or add it to agents.claude.answers",
    );
    expect(v).toMatchObject({ outcome: 'failed', cause: 'prompt-timeout' });
  });

  it('says so when a dialog the profile answers is still there', () => {
    expect(explainVerdict(promptTimeout, seeing('trust-dialog'), 'claude').reason).toMatch(/^the dialog "trust-folder" was still showing at the prompt timeout \(its answer did not take\): "Accessing workspace:/);
  });

  it('keeps the plain reason when no dialog showed, and for other verdicts', () => {
    expect(explainVerdict(promptTimeout, seeing('onboarding-offline'), 'claude')).toEqual(promptTimeout);
    expect(explainVerdict(promptTimeout, undefined, 'claude')).toEqual(promptTimeout);
    const done = { outcome: 'done' as const, reason: 'the agent finished its turn' };
    expect(explainVerdict(done, seeing('api-key-dialog'), 'claude')).toEqual(done);
  });

  it('names what was still running when a task timed out after its turn ended', () => {
    const sig = signals({ hooks: { prompts: ['x'], stop: { lastMessage: 'Started the build.', backgroundTasks: ['npm run build', 'subagent reviewer'] } } });
    expect(explainVerdict(taskTimeout, sig, 'claude').reason).toBe(`${taskTimeout.reason}; its turn had ended, but it was still running: npm run build, subagent reviewer`);
  });

  it('is what the planned stop-agent carries, so a dry run shows it', () => {
    const T = `${WEBAPP}/.agent-queue/active/t.md`;
    const snap = snapshot({ sessions: [observed('ccl-auto-1')], queues: [queue(WEBAPP, { active: [active(WEBAPP, 't.md')] })], agents: { 'ccl-auto-1': seeing('api-key-dialog') } });
    const [stop] = plan(desired(1), snap, views(view('ccl-auto-1', 'stopping', { task: T, verdict: promptTimeout })));
    expect(stop).toMatchObject({ kind: 'stop-agent', verdict: { reason: expect.stringMatching(/^the agent showed a dialog agentpool does not answer/) } });
  });
});
