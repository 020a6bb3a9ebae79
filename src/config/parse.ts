import os from 'node:os';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { rawAgentRules } from './rules-agents.js';
import { describeYamlErrors } from './yaml-errors.js';
import type { ConfigError, ConfigResult } from './types.js';
import type { RawConfig } from './raw.js';
import { makeLocator } from './locate.js';
import { placeProblems, type Problem } from './problem.js';
import { validateShape } from './schema.js';
import { translateAjvErrors } from './ajv-errors.js';
import { normalize, type ConfigEnv } from './normalize.js';
import { checkRules } from './rules.js';
import { showValue } from './describe.js';

function shapeOfDocument(data: unknown): Problem[] {
  if (data === null || data === undefined) {
    return [{ path: [], at: 'value', message: 'the file has no settings; it needs at least pool: (see desired-state.example.yaml, or run agentpool init)' }];
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    return [{ path: [], at: 'value', message: `the document must be a mapping of keys (pool:, projects:, ...), got ${showValue(data)}` }];
  }
  return [];
}

/**
 * The config pipeline, pure apart from reading the bundled schema once: YAML text → document → ajv →
 * normalized DesiredState → semantic rules. Returns `{ value }`, or `{ errors }` with every problem found
 * at its stage, each with the file, a 1-based line and column, the path and a sentence saying how to fix
 * it, sorted by position. A later stage runs only when the earlier ones found nothing, because its
 * findings about a broken document would be noise. `file` is only used in messages and to resolve
 * relative directories; `env` defaults to this process's HOME and XDG_STATE_HOME. It forks nothing: what
 * git says of worktree projects comes in `env.repositories`, gathered by the loader (load.ts).
 */
export function parseConfig(text: string, file: string, env: ConfigEnv = processEnv()): ConfigResult {
  const abs = path.resolve(file);
  const lines = new LineCounter();
  // prettyErrors off: the message is ours to phrase and the position is placed through `lines`.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const syntax = describeYamlErrors([...doc.errors, ...doc.warnings], text, lines).map((p) => ({ file: abs, path: '', ...p }));
  if (syntax.length > 0) return { errors: syntax };

  const place = (problems: Problem[]): ConfigError[] => placeProblems(problems, makeLocator(doc, lines), abs);
  const data: unknown = doc.toJS();
  const shape = [...shapeOfDocument(data)];
  if (shape.length === 0) shape.push(...translateAjvErrors(validateShape(data), data));
  if (shape.length > 0) {
    // The checks that read the raw document alone still run, so a file's mistakes show in one go.
    const said = new Set(shape.map((p) => p.path.join('.')));
    return { errors: place([...shape, ...rawAgentRules(data).filter((p) => !said.has(p.path.join('.')))]) };
  }

  const raw = data as RawConfig;
  const value = normalize(raw, abs, env);
  const rules = checkRules(raw, value, env);
  return rules.length > 0 ? { errors: place(rules) } : { value };
}

export function processEnv(): ConfigEnv {
  return { HOME: process.env.HOME ?? os.homedir(), XDG_STATE_HOME: process.env.XDG_STATE_HOME };
}
