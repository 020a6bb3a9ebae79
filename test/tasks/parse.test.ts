import { describe, it, expect } from 'vitest';
import { parseTask, type TaskParseResult } from '../../src/tasks/parse.js';

const enc = new TextEncoder();
const parse = (text: string): TaskParseResult => parseTask(enc.encode(text));
function ok(text: string) {
  const r = parse(text);
  if (!r.ok) throw new Error(`expected a task, got: ${r.reason}`);
  return r.task;
}
function reason(r: TaskParseResult): string {
  if (r.ok) throw new Error('expected a rejection');
  return r.reason;
}

describe('parseTask', () => {
  it('takes a file without front matter as all body, default priority', () => {
    expect(ok('Fix the login page.\n\nIt 500s on submit.\n')).toEqual({
      meta: { priority: 'default', tags: [], extra: {} },
      body: 'Fix the login page.\n\nIt 500s on submit.',
    });
  });

  it('reads every known front-matter key', () => {
    const t = ok([
      '---', 'title: Fix login', 'priority: critical', 'tags: [auth, web]', 'needs_claude_code: true', 'resume: 0b5c-11ef_a.1', '---',
      '', 'Body here.', '',
    ].join('\n'));
    expect(t).toEqual({
      meta: { title: 'Fix login', priority: 'critical', tags: ['auth', 'web'], needsClaudeCode: true, resume: '0b5c-11ef_a.1', extra: {} },
      body: 'Body here.',
    });
  });

  it('reads base: where the task\'s worktree starts, and refuses one that is no ref', () => {
    expect(ok('---\nbase: origin/release-2.1\n---\nDo it\n').meta.base).toBe('origin/release-2.1');
    expect(parseTask(new TextEncoder().encode('---\nbase: "a b"\n---\nDo it\n'))).toEqual({ ok: false, reason: 'base must be a commit, branch or tag its worktree starts from, e.g. base: origin/main' });
  });

  it('keeps unknown keys as they are', () => {
    const t = ok('---\npriority: low\nowner: ana\nestimate: 3\nlinks:\n  - https://x\n---\nDo it\n');
    expect(t.meta).toEqual({ priority: 'low', tags: [], extra: { owner: 'ana', estimate: 3, links: ['https://x'] } });
  });

  it('accepts every priority and rejects others with the list of valid ones', () => {
    for (const p of ['critical', 'high', 'default', 'low']) expect(ok(`---\npriority: ${p}\n---\nx`).meta.priority).toBe(p);
    expect(reason(parse('---\npriority: urgent\n---\nx'))).toBe('unknown priority "urgent": use one of critical, high, default, low');
    expect(reason(parse('---\npriority: 1\n---\nx'))).toMatch(/^unknown priority 1: use one of/);
  });

  it('takes a known priority in any case, as the older dispatcher did, and records it in lower case', () => {
    for (const p of ['Critical', 'CRITICAL', 'cRiTiCaL']) expect(ok(`---\npriority: ${p}\n---\nx`).meta.priority).toBe('critical');
    expect(ok('---\npriority: Low\n---\nx').meta.priority).toBe('low');
    expect(reason(parse('---\npriority: Urgent\n---\nx'))).toBe('unknown priority "Urgent": use one of critical, high, default, low');
  });

  it('takes a single tag written as a string', () => {
    expect(ok('---\ntags: urgent\n---\nx').meta.tags).toEqual(['urgent']);
  });

  it('rejects tags that are not strings, a non-string title and a non-boolean needs_claude_code', () => {
    expect(reason(parse('---\ntags: [a, 2]\n---\nx'))).toBe('tags must be a list of strings');
    expect(reason(parse('---\ntags: {a: 1}\n---\nx'))).toBe('tags must be a list of strings');
    expect(reason(parse('---\ntitle: [a]\n---\nx'))).toBe('title must be a string');
    expect(reason(parse('---\nneeds_claude_code: yes\n---\nx'))).toBe('needs_claude_code must be true or false');
  });

  it('takes the agent a task names, and refuses one that is not a name', () => {
    expect(ok('---\nagent: codex\n---\nx').meta.agent).toBe('codex');
    expect(reason(parse('---\nagent: [codex]\n---\nx'))).toBe('agent must be the name of an agent profile, e.g. agent: claude');
    expect(reason(parse('---\nagent: ""\n---\nx'))).toBe('agent must be the name of an agent profile, e.g. agent: claude');
  });

  it('validates the resume id so it is safe on a command line', () => {
    expect(ok('---\nresume: 3f2a9c1e-7b7d-4a6f-9d7e-2c5b1f0e8a11\n---\nx').meta.resume).toBe('3f2a9c1e-7b7d-4a6f-9d7e-2c5b1f0e8a11');
    for (const bad of ['"a b"', '"$(rm -rf ~)"', '"a;b"', "'x\\ny'", '""', '42', '[a]']) {
      expect(reason(parse(`---\nresume: ${bad}\n---\nx`)), bad).toMatch(/^resume must be an agent session id/);
    }
  });

  // BUG (low severity, src/tasks/parse.ts:54, same regex in src/reconciler/agent-steps.ts (takeResumeId)): an id may start with
  // "-", so `resume: --print` becomes `claude ... --resume --print`, and the agent CLI reads it as an option
  // (argument injection, although no shell is involved). Fix: /^[A-Za-z0-9][A-Za-z0-9._-]*$/.
  it('rejects a resume id that would read as a command-line option', () => {
    expect(reason(parse('---\nresume: --print\n---\nx'))).toMatch(/^resume must be an agent session id/);
  });

  it('rejects front matter that opens but never closes', () => {
    expect(reason(parse('---\ntitle: x\npriority: high\n\nThe body, but no closing line.\n'))).toBe(
      'the front matter starts with "---" but has no closing "---" line',
    );
  });

  it('rejects front matter that is not valid YAML, with the first line of the YAML error', () => {
    const r = reason(parse('---\ntitle: [unclosed\n---\nx'));
    expect(r).toMatch(/^the front matter is not valid YAML \(line \d+, column \d+ of the file\): \S/);
    expect(r).not.toContain('\n');
    expect(r).not.toMatch(/:$/);
    expect(reason(parse('---\ntitle: a\nx: {b: 1\n---\nbody'))).toBe(
      'the front matter is not valid YAML (line 3, column 9 of the file): Flow map in block collection must be sufficiently indented and end with a }',
    );
  });

  it('rejects front matter that is not a mapping', () => {
    expect(reason(parse('---\n- a\n- b\n---\nx'))).toBe('the front matter must be a YAML mapping (key: value lines)');
    expect(reason(parse('---\njust words\n---\nx'))).toBe('the front matter must be a YAML mapping (key: value lines)');
  });

  it('takes front matter holding only a comment as empty', () => {
    expect(ok('---\n# nothing\n---\nBody').meta).toEqual({ priority: 'default', tags: [], extra: {} });
  });

  // BUG (src/tasks/parse.ts:7): FRONT_MATTER needs a line between the two `---`, so the common empty front
  // matter `---\n---\n` is rejected as "no closing ---". Fix: make the content optional,
  // /^---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/, and parse `fm[1] ?? ''`.
  it('takes an empty front matter block', () => {
    expect(ok('---\n---\nBody')).toEqual({ meta: { priority: 'default', tags: [], extra: {} }, body: 'Body' });
  });

  it('handles CRLF line ends and trailing blanks on the fences', () => {
    const t = ok('---  \r\npriority: high\r\n---\t\r\nLine one\r\nLine two\r\n');
    expect(t.meta.priority).toBe('high');
    expect(t.body).toBe('Line one\r\nLine two');
  });

  it('ends the front matter at the first closing fence; later --- lines are body', () => {
    const t = ok('---\npriority: low\n---\nIntro\n---\nmore\n');
    expect(t).toEqual({ meta: { priority: 'low', tags: [], extra: {} }, body: 'Intro\n---\nmore' });
  });

  it('allows front matter with no body after it', () => {
    expect(ok('---\ntitle: Only a title\n---').body).toBe('');
  });

  it('rejects an empty or blank file', () => {
    expect(reason(parse(''))).toBe('the file is empty: write the task in it');
    expect(reason(parse(' \n\t\n'))).toBe('the file is empty: write the task in it');
    expect(reason(parseTask(new Uint8Array([0xef, 0xbb, 0xbf])))).toBe('the file is empty: write the task in it');
  });

  it('rejects NUL bytes and invalid UTF-8', () => {
    expect(reason(parseTask(new Uint8Array([0x68, 0x69, 0x00, 0x21])))).toMatch(/NUL bytes/);
    expect(reason(parseTask(new Uint8Array([0x68, 0xff, 0xfe, 0x69])))).toBe('the file is not valid UTF-8: save it as UTF-8 text');
    expect(reason(parseTask(new Uint8Array([0xc3])))).toMatch(/not valid UTF-8/);
  });

  it('drops a UTF-8 byte order mark so front matter after it is seen', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('---\npriority: critical\n---\nÜber-Task ✓')]);
    const r = parseTask(bytes);
    expect(r).toEqual({ ok: true, task: { meta: { priority: 'critical', tags: [], extra: {} }, body: 'Über-Task ✓' } });
  });

  it('reads when and after what a task runs: after, after_failed, not_before, timeout, model', () => {
    const t = ok(['---', 'after: [a.md, other-project/b]', 'after_failed: run', 'not_before: "22:00"', 'timeout: 30m', 'model: opus', '---', 'Go.'].join('\n'));
    expect(t.meta).toMatchObject({ after: ['a.md', 'other-project/b.md'], afterFailed: 'run', notBefore: '22:00', timeoutMs: 30 * 60_000, model: 'opus', extra: {} });
    expect(ok('---\nafter: a.md, b.md\nnot_before: 2026-12-24 07:30\n---\nGo.').meta).toMatchObject({ after: ['a.md', 'b.md'], notBefore: '2026-12-24 07:30' });
    expect(ok('---\nafter_failed: fail\n---\nGo.').meta).not.toHaveProperty('afterFailed');
  });

  it('rejects a malformed after, after_failed, not_before or timeout with what to write instead', () => {
    expect(reason(parse('---\nafter: {a: 1}\n---\nGo.'))).toMatch(/^after must be a list of task file names/);
    expect(reason(parse('---\nafter: [a/b/c.md]\n---\nGo.'))).toMatch(/^after must be a list/);
    expect(reason(parse('---\nafter_failed: maybe\n---\nGo.'))).toMatch(/^after_failed must be fail .* or run/);
    expect(reason(parse('---\nnot_before: tonight\n---\nGo.'))).toBe('not_before "tonight" is not a time of day (22:00), a date (2026-12-24), a date and time (2026-12-24 22:00) or an ISO date-time with an offset (2026-12-24T22:00:00+01:00)');
    expect(reason(parse('---\nnot_before: 2026-02-30\n---\nGo.'))).toMatch(/^not_before "2026-02-30" is not a real date or time/);
    expect(reason(parse('---\ntimeout: 30 minutes\n---\nGo.'))).toBe('timeout must be a duration such as 90s, 30m or 2h');
    expect(reason(parse('---\nmodel: ""\n---\nGo.'))).toMatch(/^model must be/);
  });
});
