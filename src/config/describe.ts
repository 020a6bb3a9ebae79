import { definitionPattern, type SchemaNode } from './schema.js';
import { quoteList } from './suggest.js';

/** What a schema node accepts, in words, plus an optional hint on how to fix a wrong value. */
export interface Expectation {
  what: string;
  hint?: string;
}

/** How a value looks to a person reading the YAML, e.g. `"four"`, `4`, `a list`, `an empty value`. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  return String(value);
}

function rangeWords(kind: string, s: SchemaNode): string {
  const { minimum: lo, maximum: hi } = s;
  if (lo !== undefined && hi !== undefined) return `${kind} from ${lo} to ${hi}`;
  if (lo !== undefined) return `${kind} of at least ${lo}`;
  if (hi !== undefined) return `${kind} of at most ${hi}`;
  return kind;
}

function stringWords(s: SchemaNode, value: unknown): Expectation {
  if (s.pattern !== undefined && s.pattern === definitionPattern('duration')) {
    return { what: 'a duration', hint: 'use a number followed by ms, s, m or h, e.g. "30s"' };
  }
  if (s.pattern !== undefined && s.pattern === definitionPattern('absolutePath')) {
    const tilde = typeof value === 'string' && value.startsWith('~');
    return {
      what: 'an absolute path',
      hint: tilde ? '"~" is not expanded here; write the full path' : 'start it with "/"',
    };
  }
  if (s.pattern !== undefined && s.pattern === definitionPattern('name')) {
    return { what: 'a name of letters, digits, "_", "." and "-"' };
  }
  if (s.pattern !== undefined) return { what: `a string matching /${s.pattern}/` };
  // A YAML scalar like 1 or true that was meant as text only needs quotes.
  const quotable = typeof value === 'number' || typeof value === 'boolean';
  const hint = quotable ? `write "${String(value)}" in quotes to make it text` : undefined;
  return { what: s.minLength ? 'a non-empty string' : 'a string', hint };
}

function typeWords(type: string, s: SchemaNode, value: unknown): Expectation {
  switch (type) {
    case 'integer':
      return { what: rangeWords('an integer', s) };
    case 'number':
      return { what: rangeWords('a number', s) };
    case 'boolean':
      return { what: 'true or false' };
    case 'null':
      return { what: 'null' };
    case 'object':
      return { what: 'a mapping' };
    case 'array': {
      const of = s.items?.type === 'string' ? ' of strings' : s.items?.type === 'object' ? ' of mappings' : '';
      return { what: `${s.minItems ? 'a non-empty list' : 'a list'}${of}` };
    }
    default:
      return stringWords(s, value);
  }
}

/** Describes what `schema` accepts; `value` (the wrong one) only tunes the hint. */
export function expectation(schema: SchemaNode, value: unknown): Expectation {
  if (schema.enum) return { what: `one of ${quoteList(schema.enum)}` };
  const types = Array.isArray(schema.type) ? schema.type : [schema.type ?? 'string'];
  const parts = types.map((t) => typeWords(t, schema, value));
  return {
    what: parts.map((p) => p.what).join(' or '),
    hint: parts.find((p) => p.hint)?.hint,
  };
}

/** `must be an integer from 0 to 1000, got "four"`, with the hint after a colon when there is one. */
export function mustBe(schema: SchemaNode, value: unknown): string {
  const e = expectation(schema, value);
  return `must be ${e.what}, got ${showValue(value)}${e.hint ? `: ${e.hint}` : ''}`;
}
