// What the bins run, made from dist/ after tsc (scripts/setup.sh, test/helpers/build.ts, `npm run build`):
// - dist/bundle/: dist/cli/main.js and the libraries it imports as a few files instead of ~400, so a
//   command or a controller spends less CPU on its imports (figures in bench/README.md). What a command
//   loads only when it needs it (execa, prom-client, ink) stays a separate chunk; pino-pretty and ajv stay
//   plain requires, write-file-atomic a plain import. The bundle sits two folders below the package root like every file of dist/, so the
//   paths read from import.meta.url (package.json, schemas/) hold.
// - dist/desired-state.validate.cjs: the config schema's validator as code (src/config/schema.ts).
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const { standaloneValidator } = await import(join(dist, 'config', 'schema.js'));
await writeFile(join(dist, 'desired-state.validate.cjs'), standaloneValidator());

const out = join(dist, 'bundle');
await rm(out, { recursive: true, force: true });
await build({
  input: join(dist, 'cli', 'main.js'),
  platform: 'node',
  logLevel: 'warn',
  // ink's React devtools, loaded only with DEV=true, are not a dependency. write-file-atomic names its temp
  // files from CommonJS's __filename, which a bundle as an ES module does not have: it is imported as it is.
  external: ['react-devtools-core', 'write-file-atomic'],
  output: { dir: out, format: 'esm', entryFileNames: 'main.js', chunkFileNames: '[name]-[hash].js' },
});
