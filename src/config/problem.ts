import type { ConfigError } from './types.js';
import { displayPath, type Locator } from './locate.js';
import type { DocPath } from './raw.js';

/**
 * A config error before it has a place in the file. Stages that reason about data (ajv translation,
 * semantic rules) say which document path is wrong and whether the key or the value is to blame; only
 * the pipeline, which owns the YAML document, turns that into line and column.
 */
export interface Problem {
  path: DocPath;
  /** Point at the key (unknown keys, whole mappings) or at the value (wrong values). */
  at: 'key' | 'value';
  message: string;
}

/** Places problems in the file and sorts them by line, then column: the order a person fixes them in. */
export function placeProblems(problems: Problem[], locator: Locator, file: string): ConfigError[] {
  return problems
    .map((p) => {
      const pos = p.at === 'key' ? locator.key(p.path) : locator.value(p.path);
      return { file, line: pos.line, col: pos.col, path: displayPath(p.path), message: p.message };
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
}
