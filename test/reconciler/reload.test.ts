/** How a re-read config file is judged against the one in force (judgeReload is pure). */
import { describe, expect, it } from 'vitest';
import { judgeReload } from '../../src/reconciler/reload.js';
import { parseConfig } from '../../src/config/parse.js';
import type { DesiredState } from '../../src/config/types.js';
import { FILE, ENV, HEAD, yaml } from '../config/helpers.js';

const read = (...lines: string[]) => parseConfig(yaml(...lines), FILE, ENV);
const prev = (read(...HEAD) as { value: DesiredState }).value;

describe('judgeReload', () => {
  it('takes a valid edit of what a running controller can change', () => {
    const v = judgeReload(FILE, prev, read(...HEAD.map((l) => l.replace('size: 2', 'size: 5'))));
    expect(v.ok && v.next.pool.size).toBe(5);
  });

  it('refuses an edit of a key the controller is bound to, naming that key and nothing else', () => {
    const v = judgeReload(FILE, prev, read(...HEAD.map((l) => l.replace('prefix: w-', 'prefix: agent-'))));
    expect(v).toEqual({
      ok: false,
      problems: ['pool.prefix cannot change while the controller runs ("w-" → "agent-"): restart it to apply this edit; the last good config stays in force until then'],
      message: 'pool.prefix cannot change while the controller runs ("w-" → "agent-"): restart it to apply this edit; the last good config stays in force until then',
    });
    // A new socket is a new server, and (by default) a new state folder.
    const socket = judgeReload(FILE, prev, read('tmux: {socketPath: /run/ap.sock}', ...HEAD.slice(2)));
    expect(socket.ok ? [] : socket.problems.map((p) => p.split(' ')[0])).toEqual(['tmux.socket', 'tmux.socketPath', 'controller.stateDir']);
  });

  it('refuses a file with errors in one message: each error, then what the controller does', () => {
    const v = judgeReload(FILE, prev, read(...HEAD, '  colour: red'));
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.problems).toEqual([expect.stringMatching(/^\/etc\/agentpool\/desired-state\.yaml:6:3: pool\.colour: unknown key/)]);
    expect(v.message).toBe(`${v.problems[0]}\nconfig ${FILE} is invalid; keeping the last good config`);
  });
});
