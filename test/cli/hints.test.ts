/** What the views tell a person to run next: commands that run as printed, conditions that agree with the state. */
import { describe, expect, it } from 'vitest';
import { sessionConditions } from '../../src/cli/describe.js';
import { agentpoolCommand, attachHint } from '../../src/cli/hints.js';
import type { SessionStatus } from '../../src/status/status-file.js';

const row = (state: string): SessionStatus => ({ session: 'ccl-auto-1', role: 'pool', state, since: 0, task: '', project: '', model: null, attempt: null, until: null, lastError: null, cordoned: false });

describe('hints', () => {
  it('repeat the --config the person gave, quoted for a shell', () => {
    expect(agentpoolCommand({}, 'retry a.md')).toBe('agentpool retry a.md');
    expect(agentpoolCommand({ config: "/home/me/my pools/it's.yaml" }, 'retry a.md')).toBe(`agentpool retry a.md --config '/home/me/my pools/it'\\''s.yaml'`);
  });

  it('say how to watch a session with agentpool attach, which knows where it runs', () => {
    expect(attachHint({ config: '/etc/ap.yaml' }, 'ccl-auto-1')).toBe("agentpool attach ccl-auto-1 --config '/etc/ap.yaml' (read-only)");
  });

  it('give a session conditions that agree with its state: a warm agent is ready, a cordoned one is not', () => {
    const ready = (state: string, cordoned = false) => sessionConditions(row(state), cordoned, 0).find((c) => c.type === 'Ready')!;
    expect(ready('ready')).toMatchObject({ status: 'True', reason: 'Ready' });
    expect(ready('idle')).toMatchObject({ status: 'True', reason: 'Idle' });
    expect(ready('ready', true)).toMatchObject({ status: 'False', reason: 'Cordoned' });
    expect(ready('working')).toMatchObject({ status: 'False', reason: 'Working' });
  });
});
