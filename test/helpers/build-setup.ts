/** The suite's global setup (vitest.config.ts): dist/ built once for the whole run (test/helpers/build.ts). */
import { BUILT_ENV, buildDist } from './build.js';

export default async function setup(): Promise<void> {
  if (process.env[BUILT_ENV]) return;
  await buildDist();
  process.env[BUILT_ENV] = '1';
}
