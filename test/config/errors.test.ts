import { describe, it, expect } from 'vitest';
import { errorsOf, FILE, HEAD, valueOf, yaml } from './helpers.js';

describe('YAML and document errors', () => {
  it('points an unclosed bracket at the bracket', () => {
    expect(errorsOf(yaml(...HEAD, 'dedicated: [a, b', 'tasks: {}'))).toEqual([
      `${FILE}:6:12: (root): invalid YAML: this "[" is never closed: add "]" at the end of its list`,
    ]);
  });

  it('names the line a mis-indented key is on, once, with a hint', () => {
    // `models:` one level too deep: the library notices only on the lines after it.
    const text = yaml(...HEAD, 'agents:', '  claude:', '      models:', '    high: opus', '    low: haiku', '  mine:', '    extends: claude');
    expect(errorsOf(text)).toEqual([
      `${FILE}:8:7: (root): invalid YAML: this line is indented 6 spaces and line 7 above it 2: keys of one mapping start at the same column (a nested key goes 2 spaces further than its parent)`,
    ]);
    expect(errorsOf(yaml(...HEAD, '   agent: fake'))).toEqual([
      `${FILE}:6:4: (root): invalid YAML: this line is indented further than line 5 (3 spaces, not 2), so it reads as part of that line's value: line them up`,
    ]);
  });

  it('says a tab in the indentation is the problem', () => {
    expect(errorsOf(yaml('tmux:', '\tsocket: x'))).toEqual([`${FILE}:2:1: (root): invalid YAML: a tab in the indentation; YAML indents with spaces only`]);
  });

  it('reports schema and semantic mistakes together, each once', () => {
    const text = yaml('tmux:', '  socket: x', 'pool:', '  prefix: w-', '  size: -2', '  agent: claud', '  cooldwn: {afterTask: 1s}', 'tasks:', '  maxAttempts: "3"');
    expect(errorsOf(text)).toEqual([
      `${FILE}:5:9: pool.size: must be an integer from 0 to 1000, got -2`,
      `${FILE}:6:10: pool.agent: unknown agent "claud"; did you mean "claude"? The agents defined are claude, codex, fake, gemini, generic`,
      `${FILE}:7:3: pool.cooldwn: unknown key; did you mean "cooldown"?`,
      `${FILE}:9:16: tasks.maxAttempts: must be an integer from 1 to 100, got "3"`,
    ]);
  });

  it('reports a duplicate key as a YAML error', () => {
    expect(errorsOf(yaml(...HEAD, '  size: 3'))).toEqual([
      `${FILE}:6:3: (root): invalid YAML: Map keys must be unique`,
    ]);
  });

  it('rejects an empty file and a file of comments only', () => {
    const msg = 'the file has no settings; it needs at least pool: (see desired-state.example.yaml, or run agentpool init)';
    expect(errorsOf('')).toEqual([`${FILE}:1:1: (root): ${msg}`]);
    expect(errorsOf(yaml('# nothing yet', ''))).toEqual([`${FILE}:1:1: (root): ${msg}`]);
  });

  it('rejects a document that is not a mapping', () => {
    expect(errorsOf(yaml('# a list', '- tmux', '- pool'))).toEqual([
      `${FILE}:2:1: (root): the document must be a mapping of keys (pool:, projects:, ...), got a list`,
    ]);
    expect(errorsOf(yaml('just text'))).toEqual([
      `${FILE}:1:1: (root): the document must be a mapping of keys (pool:, projects:, ...), got "just text"`,
    ]);
  });
});

describe('schema errors', () => {
  it('says what a wrong type should be, with the range', () => {
    expect(errorsOf(yaml('tmux:', '  socket: test', 'pool:', '  prefix: w-', '  size: four'))).toEqual([
      `${FILE}:5:9: pool.size: must be an integer from 0 to 1000, got "four"`,
    ]);
  });

  it('reports a number out of range', () => {
    expect(errorsOf(yaml('tmux:', '  socket: test', 'pool:', '  prefix: w-', '  size: 5000'))).toEqual([
      `${FILE}:5:9: pool.size: must be an integer from 0 to 1000, got 5000`,
    ]);
    expect(errorsOf(yaml(...HEAD, 'tasks:', '  maxAttempts: 0'))).toEqual([
      `${FILE}:7:16: tasks.maxAttempts: must be an integer from 1 to 100, got 0`,
    ]);
  });

  it('lists the allowed values of an enum', () => {
    expect(errorsOf(yaml(...HEAD, 'agents:', '  mine:', '    done: finished'))).toEqual([
      `${FILE}:8:11: agents.mine.done: must be one of "hook", "exit" or "idle", got "finished"`,
    ]);
  });

  it('explains the duration format', () => {
    expect(errorsOf(yaml(...HEAD, '  cooldown:', '    afterTask: 30 sec', 'controller:', '    resync: 10'))).toEqual([
      `${FILE}:7:16: pool.cooldown.afterTask: must be a duration, got "30 sec": use a number followed by ms, s, m or h, e.g. "30s"`,
      `${FILE}:9:13: controller.resync: must be a duration, got 10: use a number followed by ms, s, m or h, e.g. "30s"`,
    ]);
  });

  it('suggests the closest key for a typo', () => {
    expect(errorsOf(yaml('tmux:', '  socket: test', 'pool:', '  prefix: w-', '  sise: 4'))).toEqual([
      `${FILE}:3:1: pool: missing required key "size"`,
      `${FILE}:5:3: pool.sise: unknown key; did you mean "size"?`,
    ]);
  });

  it('lists the allowed keys when no key is close', () => {
    expect(errorsOf(yaml(...HEAD, 'controller:', '  frequency: 10s'))).toEqual([
      `${FILE}:7:3: controller.frequency: unknown key; the keys allowed here are resync, stateDir, metrics, web, webInput`,
    ]);
  });

  it('reports a missing required key at the mapping that lacks it', () => {
    expect(errorsOf(yaml('tmux:', '  socket: test', 'pool:', '  prefix: w-'))).toEqual([
      `${FILE}:3:1: pool: missing required key "size"`,
    ]);
    expect(errorsOf(yaml('# no pool', 'tmux: {socket: test}'))).toEqual([
      `${FILE}:2:1: (root): missing required key "pool"`,
    ]);
  });

  it('takes at most one of tmux.socket and tmux.socketPath; without either, the socket named agentpool and sessions agent-1..', () => {
    expect(errorsOf(yaml('tmux:', '  socket: a', '  socketPath: /tmp/a.sock', 'pool: {prefix: w-, size: 1}'))).toEqual([
      `${FILE}:1:1: tmux: set only one of "socket" and "socketPath", not both`,
    ]);
    // The three-line config: a pool of agents, on the default socket, for one project.
    const v = valueOf(yaml('pool: {size: 2}', 'projects:', '  - path: /src/app'));
    expect(v.tmux).toEqual({ socket: 'agentpool', transport: 'control' });
    expect(v.pool.prefix).toBe('agent-');
    expect(v.controller.stateDir).toBe('/home/you/.local/state/agentpool/agentpool');
    expect(valueOf(yaml('pool: {size: 1}', 'tmux: {}')).tmux).toEqual({ socket: 'agentpool', transport: 'control' });
    expect(valueOf(yaml('pool: {size: 1}', 'tmux: {socketPath: /run/ap.sock}')).tmux).toEqual({ socketPath: '/run/ap.sock', transport: 'control' });
  });

  it('says a project path must be absolute', () => {
    expect(errorsOf(yaml(...HEAD, 'projects:', '  - path: src/app', '  - path: ~/src/other'))).toEqual([
      `${FILE}:7:11: projects[0].path: must be an absolute path, got "src/app": start it with "/"`,
      `${FILE}:8:11: projects[1].path: must be an absolute path, got "~/src/other": "~" is not expanded here; write the full path`,
    ]);
  });

  it('says an inbox must be absolute', () => {
    expect(errorsOf(yaml(...HEAD, 'projects:', '  - path: /src/app', '    inbox: queue/in'))).toEqual([
      `${FILE}:8:12: projects[0].inbox: must be an absolute path, got "queue/in": start it with "/"`,
    ]);
  });

  it('points an empty value at its key and collects every error', () => {
    expect(errorsOf(yaml('tmux:', '  socket: a b', 'pool:', '  prefix: w-', '  size:', 'dedicated: [1]'))).toEqual([
      `${FILE}:2:11: tmux.socket: must be a name of letters, digits, "_", "." and "-", got "a b"`,
      `${FILE}:5:3: pool.size: must be an integer from 0 to 1000, got an empty value`,
      `${FILE}:6:13: dedicated[0]: must be a non-empty string, got 1: write "1" in quotes to make it text`,
    ]);
  });
});
