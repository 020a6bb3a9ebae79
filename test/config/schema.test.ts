import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configSchema, standaloneValidator } from '../../src/config/schema.js';

describe('the precompiled validator (what the build writes for the bins)', () => {
  // Beside the package's node_modules, as dist/ is: the code requires ajv's runtime helpers.
  const dir = mkdtempSync(fileURLToPath(new URL('../../node_modules/.agentpool-schema-', import.meta.url)));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'validate.cjs');
  writeFileSync(file, standaloneValidator());
  const precompiled = createRequire(import.meta.url)(file) as ValidateFunction & { schemaHash?: string };
  const compiled = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true }).compile(configSchema());

  const example = parseYaml(readFileSync(new URL('../../desired-state.example.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
  const cases: Record<string, unknown> = {
    'the example': example,
    'a wrong type and an unknown key': { pool: { size: 'x', bogus: 1 } },
    'a bad duration and priority': { pool: { size: 1, prefix: 'a-' }, tmux: { socket: 's' }, projects: [{ name: 'p', path: '/p', priority: 'urgent' }], cooldown: { afterSuccess: '5 minutes' } },
    'no pool': {},
    'not an object': 42,
  };

  it.each(Object.entries(cases))('judges %s exactly as compiling the schema does', (_name, value) => {
    expect(precompiled(value)).toBe(compiled(value));
    expect(precompiled.errors ?? null).toEqual(compiled.errors ?? null);
  });

  it('names the schema it was made from, so a stale one is not used', () => {
    expect(precompiled.schemaHash).toMatch(/^[0-9a-f]{40}$/);
  });
});
