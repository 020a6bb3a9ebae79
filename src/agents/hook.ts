/**
 * The hook command agentpool injects into Claude Code (and the fake agent) through `--settings`:
 * `node hook.js <events-file>`. It appends the hook's JSON payload from stdin as one line to the events
 * file, which the controller reads. It prints nothing: a UserPromptSubmit hook's stdout would be added to
 * the prompt.
 */
import { appendFileSync, lstatSync } from 'node:fs';

const file = process.argv[2];
const chunks: Buffer[] = [];
process.stdin.on('data', (c: Buffer) => chunks.push(c));
process.stdin.on('end', () => {
  if (!file) process.exit(0);
  try {
    // Refuse to follow a planted symlink: the events file is ours or nothing.
    const st = lstatSync(file, { throwIfNoEntry: false });
    if (st && (st.isSymbolicLink() || (typeof process.getuid === 'function' && st.uid !== process.getuid()))) process.exit(0);
    const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    appendFileSync(file, `${JSON.stringify({ ...payload, agentpool_ts: Date.now() })}\n`, { mode: 0o600 });
  } catch {
    // A hook must never break the agent's turn.
  }
  process.exit(0);
});
