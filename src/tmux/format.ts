import { TmuxError } from './errors.js';

/**
 * One `-F` template from a field list, and a strict parser for its output. The unit separator (0x1f) cannot
 * be typed into a session name or option by accident, and tmux prints it as is; a line with the wrong
 * number of fields is an error, never a guess.
 */
export const SEP = '\x1f';

export function template(fields: readonly string[]): string {
  return fields.map((f) => `#{${f}}`).join(SEP);
}

export function parseRows<K extends string>(
  output: string,
  keys: readonly K[],
  context: { command: string; args: readonly string[] },
): Array<Record<K, string>> {
  const rows: Array<Record<K, string>> = [];
  for (const line of output.split('\n')) {
    if (line === '') continue;
    const parts = line.split(SEP);
    if (parts.length !== keys.length) {
      throw new TmuxError(
        `tmux printed a line with ${parts.length} fields where ${keys.length} were asked for: ${JSON.stringify(line)}`,
        context.command,
        context.args,
        '',
        0,
        'failed',
      );
    }
    const row = {} as Record<K, string>;
    keys.forEach((k, i) => (row[k] = parts[i]!));
    rows.push(row);
  }
  return rows;
}
