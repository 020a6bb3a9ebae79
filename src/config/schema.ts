import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';

/**
 * The JSON Schema stays outside src (tsconfig's rootDir) so editors can point at it; it is read at run
 * time. Both src/config/ (vitest) and dist/config/ (tsc output), like dist/bundle/, sit two levels below the
 * package root, so one relative URL serves all three.
 */
const SCHEMA_URL = new URL('../../schemas/desired-state.schema.json', import.meta.url);
/**
 * The schema's validator as ajv's standalone code, written by the build (scripts/build.mjs): compiling the
 * schema cost every command and controller ~120 ms of CPU, loading the compiled code costs ~6 ms. It names
 * the hash of the schema it was made from and is used only while that is the schema on disk.
 */
const PRECOMPILED_URL = new URL('../../dist/desired-state.validate.cjs', import.meta.url);
/**
 * verbose: errors carry the failing schema and data, which the messages are phrased from.
 * allowUnionTypes: pool.prewarm is a boolean or a number (`type: [boolean, integer]`, plain JSON Schema).
 */
const AJV_OPTIONS: Options = { allErrors: true, verbose: true, allowUnionTypes: true };
const require = createRequire(import.meta.url);

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
    const text = readFileSync(SCHEMA_URL, 'utf8');
    const schema = JSON.parse(text) as SchemaNode;
    loaded = { schema, validate: precompiled(schemaHash(text)) ?? newAjv().compile(schema) };
  }
  return loaded;
}

function precompiled(hash: string): ValidateFunction | undefined {
  if (!existsSync(PRECOMPILED_URL)) return undefined;
  const validate = require(PRECOMPILED_URL.pathname) as ValidateFunction & { schemaHash?: string };
  return validate.schemaHash === hash ? validate : undefined;
}

const schemaHash = (text: string): string => createHash('sha1').update(text).digest('hex');

/** Ajv itself is loaded only to compile (no current precompiled validator) or to write one. */
function newAjv(options: Options = {}): Ajv {
  const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
  return new AjvClass({ ...AJV_OPTIONS, ...options });
}

/** The validator as a CommonJS module for PRECOMPILED_URL, marked with the hash of the schema it checks. */
export function standaloneValidator(): string {
  const text = readFileSync(SCHEMA_URL, 'utf8');
  const ajv = newAjv({ code: { source: true } });
  const standalone = require('ajv/dist/standalone') as typeof import('ajv/dist/standalone/index.js');
  const code = standalone.default(ajv, ajv.compile(JSON.parse(text) as SchemaNode));
  return `${code}\nmodule.exports.schemaHash = ${JSON.stringify(schemaHash(text))};\n`;
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
