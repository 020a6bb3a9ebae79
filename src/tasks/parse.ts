import { parse as parseYaml } from 'yaml';
import { PRIORITIES, type Priority } from '../config/types.js';
import { parseDuration } from '../config/duration.js';
import { notBeforeProblem } from './schedule.js';
import type { ParsedTask, TaskMeta } from './types.js';

/** `empty`: nothing is written in the file yet (one just created, about to be written: it is not judged). */
export type TaskParseResult = { ok: true; task: ParsedTask } | { ok: false; reason: string; empty?: true };

const FRONT_MATTER = /^---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes of a task file → its front matter and body, or the reason it can never run. Pure. Reasons are
 * sentences a person can act on; they end up in the task's result record in failed/.
 */
export function parseTask(bytes: Uint8Array): TaskParseResult {
  if (bytes.includes(0)) return { ok: false, reason: 'the file contains NUL bytes (binary?): a task must be UTF-8 text' };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, reason: 'the file is not valid UTF-8: save it as UTF-8 text' };
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  if (text.trim() === '') return { ok: false, reason: 'the file is empty: write the task in it', empty: true };

  const fm = FRONT_MATTER.exec(text);
  if (!fm) {
    if (/^---[ \t]*\r?\n/.test(text)) return { ok: false, reason: 'the front matter starts with "---" but has no closing "---" line' };
    return { ok: true, task: { meta: { priority: 'default', tags: [], extra: {} }, body: text.trim() } };
  }
  let data: unknown;
  try {
    data = parseYaml(fm[1] ?? '');
  } catch (err) {
    // The library says "... at line 2, column 15:" of the front matter; the file has the `---` line above it.
    const e = err as Error & { linePos?: Array<{ line: number; col: number }> };
    const what = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const at = e.linePos?.[0];
    return { ok: false, reason: `the front matter is not valid YAML${at ? ` (line ${at.line + 1}, column ${at.col} of the file)` : ''}: ${what}` };
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, reason: 'the front matter must be a YAML mapping (key: value lines)' };
  }
  const meta = toMeta(data as Record<string, unknown>);
  if (typeof meta === 'string') return { ok: false, reason: meta };
  return { ok: true, task: { meta, body: text.slice(fm[0].length).trim() } };
}

/** The front matter of a task that parses (parseTask said so), as the mapping written: for copying it. */
export function frontMatterOf(text: string): Record<string, unknown> {
  const fm = FRONT_MATTER.exec(text.startsWith('\uFEFF') ? text.slice(1) : text);
  return fm ? ((parseYaml(fm[1] ?? '') as Record<string, unknown> | null) ?? {}) : {};
}

function toMeta(data: Record<string, unknown>): TaskMeta | string {
  const { title, priority: rawPriority = 'default', tags = [], needs_claude_code, resume, agent, model, base, after, after_failed, not_before, timeout, ...extra } = data;
  // The older dispatcher took `Critical` and `CRITICAL` for critical: any case of a known word is that word.
  const priority = typeof rawPriority === 'string' ? rawPriority.toLowerCase() : rawPriority;
  if (typeof priority !== 'string' || !(PRIORITIES as readonly string[]).includes(priority)) {
    return `unknown priority ${JSON.stringify(rawPriority)}: use one of ${PRIORITIES.join(', ')}`;
  }
  if (title !== undefined && typeof title !== 'string') return 'title must be a string';
  const tagList = typeof tags === 'string' ? [tags] : tags;
  if (!Array.isArray(tagList) || !tagList.every((t) => typeof t === 'string')) return 'tags must be a list of strings';
  if (needs_claude_code !== undefined && typeof needs_claude_code !== 'boolean') return 'needs_claude_code must be true or false';
  if (agent !== undefined && (typeof agent !== 'string' || agent.trim() === '')) return 'agent must be the name of an agent profile, e.g. agent: claude';
  if (model !== undefined && (typeof model !== 'string' || model.trim() === '')) return 'model must be the name of a model the agent takes, e.g. model: opus';
  if (resume !== undefined && (typeof resume !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(resume))) {
    return 'resume must be an agent session id (letters, digits, ".", "_" or "-")';
  }
  if (base !== undefined && (typeof base !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(base.trim()))) {
    return 'base must be a commit, branch or tag its worktree starts from, e.g. base: origin/main';
  }
  const waits = toWaits(after, after_failed, not_before, timeout);
  if (typeof waits === 'string') return waits;
  return {
    ...(title !== undefined ? { title } : {}),
    priority: priority as Priority,
    tags: tagList,
    ...(needs_claude_code !== undefined ? { needsClaudeCode: needs_claude_code } : {}),
    ...(resume !== undefined ? { resume } : {}),
    ...(agent !== undefined ? { agent: (agent as string).trim() } : {}),
    ...(model !== undefined ? { model: (model as string).trim() } : {}),
    ...(base !== undefined ? { base: (base as string).trim() } : {}),
    ...waits,
    extra,
  };
}

/** `after:` as task names, `a.md` or `project/a.md` (`.md` may be left out). */
const AFTER_NAME = /^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/)?[^/\s][^/]*$/;

/** The keys that say when a task may run and for how long: `after`, `after_failed`, `not_before`, `timeout`. */
function toWaits(after: unknown, afterFailed: unknown, notBefore: unknown, timeout: unknown): Pick<TaskMeta, 'after' | 'afterFailed' | 'notBefore' | 'timeoutMs'> | string {
  const out: Pick<TaskMeta, 'after' | 'afterFailed' | 'notBefore' | 'timeoutMs'> = {};
  if (after !== undefined && after !== null) {
    const list = typeof after === 'string' ? after.split(',') : after;
    if (!Array.isArray(list) || !list.every((n) => typeof n === 'string' && AFTER_NAME.test(n.trim()))) {
      return 'after must be a list of task file names in the inbox\'s project or another one, e.g. after: [a.md, other-project/b.md]';
    }
    const names = [...new Set(list.map((n: string) => (n.trim().endsWith('.md') ? n.trim() : `${n.trim()}.md`)))];
    if (names.length) out.after = names;
  }
  if (afterFailed !== undefined) {
    if (afterFailed !== 'run' && afterFailed !== 'fail') return 'after_failed must be fail (the default: the task fails with the one it waits for) or run (it runs anyway)';
    if (afterFailed === 'run') out.afterFailed = 'run';
  }
  if (notBefore !== undefined && notBefore !== null) {
    const problem = notBeforeProblem(notBefore);
    if (problem) return problem;
    out.notBefore = notBefore instanceof Date ? notBefore.toISOString() : String(notBefore).trim();
  }
  if (timeout !== undefined) {
    if (typeof timeout !== 'string' || !/^[1-9][0-9]*(ms|s|m|h)$/.test(timeout.trim())) return 'timeout must be a duration such as 90s, 30m or 2h';
    out.timeoutMs = parseDuration(timeout.trim());
  }
  return out;
}
