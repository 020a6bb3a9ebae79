import { loadConfigFile, defaultConfigPath } from '../config/load.js';
import { formatConfigError } from '../config/types.js';
import { agentProgramProblem } from '../util/which.js';
import type { CliValues } from './main.js';

export async function validateCommand(v: CliValues): Promise<number> {
  const file = v.config ?? defaultConfigPath();
  const r = await loadConfigFile(file);
  if ('errors' in r) {
    for (const e of r.errors) process.stderr.write(`${formatConfigError(e)}\n`);
    process.stderr.write(`${r.errors.length} error${r.errors.length === 1 ? '' : 's'} in ${file}\n`);
    return 1;
  }
  const missing = await agentProgramProblem(r.value.agents[r.value.pool.agent]!);
  if (missing) process.stderr.write(`warning: ${missing}\n`);
  process.stdout.write(`${r.value.file} is valid: pool of ${r.value.pool.size} (${r.value.pool.prefix}${r.value.pool.startIndex}…) running "${r.value.pool.agent}", ${r.value.projects.length} project(s)\n`);
  return 0;
}
