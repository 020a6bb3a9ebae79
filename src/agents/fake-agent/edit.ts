import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';

/**
 * The fake agent's work, when asked to do some (--edit): each line of the prompt that starts `file: <path>`
 * names a file under the working directory, which gets one line appended (the prompt's first line); the change is
 * committed with git, that line as the message, with --commit or when the prompt has a `commit: yes` line
 * (`commit: no` leaves it uncommitted even with --commit). Returns what it did, for the screen; a path
 * outside the working directory is refused, never written.
 */
export function doEdits(prompt: string, cwd: string, commitByDefault: boolean): string[] {
  const said = /^\s*commit:\s*(yes|no)\b/m.exec(prompt)?.[1];
  const commit = said === undefined ? commitByDefault : said === 'yes';
  const title = firstWords(prompt);
  const done: string[] = [];
  for (const m of prompt.matchAll(/^\s*file:\s*(\S+)/gm)) {
    const path = resolve(cwd, m[1]!);
    const rel = relative(cwd, path);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      done.push(`refused ${m[1]}: outside ${cwd}`);
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(path, `${title}\n`);
    done.push(`edited ${rel}`);
  }
  if (commit && done.some((d) => d.startsWith('edited'))) {
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=fake-agent', '-c', 'user.email=fake-agent@localhost', '-c', 'commit.gpgsign=false', ...args], { cwd, stdio: 'pipe' });
    try {
      git('add', '--all');
      git('commit', '--quiet', '-m', title);
      done.push('committed');
    } catch (err) {
      done.push(`commit failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim().split('\n')[0]}`);
    }
  }
  return done;
}

/** The prompt's first line without agentpool's `[task.md] ` label, as a commit message. */
function firstWords(prompt: string): string {
  const line = prompt.split('\n').find((l) => l.trim()) ?? 'fake agent';
  return line.replace(/^\[[^\]]*\]\s*/, '').trim().slice(0, 72).trim() || 'fake agent';
}
