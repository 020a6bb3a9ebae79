import type { CliValues } from './main.js';
import { UsageError } from './main.js';

export async function demoCommand(_v: CliValues): Promise<number> {
  throw new UsageError('demo: not yet');
}
