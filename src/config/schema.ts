import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * The JSON Schema stays outside src (tsconfig's rootDir) so editors can point at it; it is read at run
 * time. Both src/config/ (vitest) and dist/config/ (tsc output) sit two levels below the package root, so
 * one relative URL serves both.
 */
const SCHEMA_URL = new URL('../../schemas/desired-state.schema.json', import.meta.url);

/** The parts of a JSON Schema object that error messages are built from. */
export interface SchemaNode {
  type?: string | string[];
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  minLength?: number;
  oneOf?: SchemaNode[];
  not?: SchemaNode;
  definitions?: Record<string, SchemaNode>;
  default?: unknown;
  $ref?: string;
}

let loaded: { schema: SchemaNode; validate: ValidateFunction } | undefined;

function load(): { schema: SchemaNode; validate: ValidateFunction } {
  if (!loaded) {
    const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as SchemaNode;
    // verbose: errors carry the failing schema and data, which the messages are phrased from.
    // allowUnionTypes: pool.prewarm is a boolean or a number (`type: [boolean, integer]`, plain JSON Schema).
    const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true });
    loaded = { schema, validate: ajv.compile(schema) };
  }
  return loaded;
}

/** The parsed schema, loaded once from schemas/desired-state.schema.json. */
export function configSchema(): SchemaNode {
  return load().schema;
}

/** Validates a plain value against the schema; returns ajv's raw errors (empty when valid). */
export function validateShape(value: unknown): ErrorObject[] {
  const { validate } = load();
  return validate(value) ? [] : [...(validate.errors ?? [])];
}

/** A definition's pattern, e.g. `definitionPattern('duration')`, so messages never restate a regex. */
export function definitionPattern(name: string): string | undefined {
  return configSchema().definitions?.[name]?.pattern;
}
