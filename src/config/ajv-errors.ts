import type { ErrorObject } from 'ajv';
import { mustBe } from './describe.js';
import type { Problem } from './problem.js';
import type { DocPath } from './raw.js';
import type { SchemaNode } from './schema.js';
import { didYouMean, quoteList } from './suggest.js';

/** Ajv's JSON pointer as a document path; digits become indexes only where the data is a list. */
function toDocPath(pointer: string, root: unknown): DocPath {
  const path: Array<string | number> = [];
  let data = root;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key = Array.isArray(data) ? Number(seg) : seg;
    path.push(key);
    data = (data as Record<string | number, unknown> | undefined)?.[key];
  }
  return path;
}

function unknownKey(key: string, parent: SchemaNode): string {
  const known = Object.keys(parent.properties ?? {});
  const guess = didYouMean(key, known);
  if (guess) return `unknown key; did you mean "${guess}"?`;
  return known.length ? `unknown key; the keys allowed here are ${known.join(', ')}` : 'unknown key';
}

/** A oneOf of `required` branches means "exactly one of these keys"; say which rule was broken. */
function oneOfMessage(schema: SchemaNode, data: unknown): string {
  const keys = (schema.oneOf ?? []).flatMap((b) => b.required ?? []);
  if (keys.length === 0) return 'must match exactly one of the allowed forms';
  const present = keys.filter((k) => data !== null && typeof data === 'object' && k in data);
  return present.length > 1
    ? `set only one of ${quoteList(present, 'and')}, not both`
    : `missing a key: set exactly one of ${quoteList(keys)}`;
}

/**
 * Turns ajv's errors into one sentence per problem a person can act on. Errors from inside oneOf/anyOf
 * branches are dropped: the oneOf error itself says what was wanted, the branch details only add noise.
 */
export function translateAjvErrors(errors: ErrorObject[], root: unknown): Problem[] {
  const problems: Problem[] = [];
  const valueErrorSeen = new Set<string>();
  for (const e of errors) {
    if (/\/(oneOf|anyOf)\/\d+\//.test(e.schemaPath)) continue;
    const path = toDocPath(e.instancePath, root);
    const parent = (e.parentSchema ?? {}) as SchemaNode;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String((e.params as { additionalProperty: string }).additionalProperty);
        problems.push({ path: [...path, key], at: 'key', message: unknownKey(key, parent) });
        break;
      }
      case 'required': {
        const key = String((e.params as { missingProperty: string }).missingProperty);
        problems.push({ path, at: 'key', message: `missing required key "${key}"` });
        break;
      }
      case 'oneOf':
        problems.push({ path, at: 'key', message: oneOfMessage(parent, e.data) });
        break;
      case 'not': {
        // `not: {required: [a, b]}` is "a or b, not both" (tmux.socket and tmux.socketPath).
        const both = parent.not?.required ?? [];
        problems.push({ path, at: 'key', message: both.length > 1 ? `set only one of ${quoteList(both, 'and')}, not both` : 'must not match this form' });
        break;
      }
      default:
        // type, range, pattern and enum failures of one value all get one "must be X, got Y" sentence.
        if (valueErrorSeen.has(e.instancePath)) break;
        valueErrorSeen.add(e.instancePath);
        problems.push({ path, at: 'value', message: mustBe(parent, e.data) });
    }
  }
  return problems;
}
