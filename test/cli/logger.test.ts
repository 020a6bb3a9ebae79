import { describe, expect, it } from 'vitest';
import { oneLine } from '../../src/cli/logger.js';

describe('the pretty log line', () => {
  it('reads an action and the transition it caused as one line, and a plain transition as before', () => {
    expect(oneLine({ msg: 'submitted task', session: 'w-1', from: 'awaiting-prompt', to: 'working', event: 'SUBMITTED', task: '/p/.agent-queue/active/a.md', taskId: 'p/a.md', project: 'p', enterPresses: 1 }, 'msg'))
      .toBe('w-1 awaiting-prompt → working (SUBMITTED) a.md: submitted task project=p enterPresses=1');
    expect(oneLine({ msg: 'transition', session: 'w-1', from: 'working', to: 'stopping', event: 'AGENT_ENDED', reason: 'the agent finished its turn' }, 'msg'))
      .toBe('w-1 working → stopping (AGENT_ENDED) — the agent finished its turn');
    expect(oneLine({ msg: 'serving metrics', url: 'http://127.0.0.1:9464/metrics' }, 'msg')).toBe('serving metrics url=http://127.0.0.1:9464/metrics');
  });
});
