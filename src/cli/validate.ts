import { loadConfigFile, defaultConfigPath } from '../config/load.js';
import { formatConfigError } from '../config/types.js';
import { agentProgramProblem } from '../agents/program.js';
import type { CliValues } from './main.js';
import { isDirectory } from '../util/fs.js';

/** Checks a config file; every error as FILE:LINE:COL: path: what is wrong and how to fix it (or as JSON). */
export async function validateCommand(v: CliValues): Promise<number> {
  const file = v.config ?? defaultConfigPath();
  const r = await loadConfigFile(file);
  const json = v.output === 'json';
  if ('errors' in r) {
    if (json) process.stdout.write(`${JSON.stringify({ valid: false, file, errors: r.errors.map((e) => ({ ...e, text: formatConfigError(e) })) }, null, 2)}\n`);
    else {
      for (const e of r.errors) process.stderr.write(`${formatConfigError(e)}\n`);
      process.stderr.write(`${r.errors.length} error${r.errors.length === 1 ? '' : 's'} in ${file}\n`);
    }
    return 1;
  }
  const d = r.value;
  // What the file may rightly name but the machine does not have yet: the controller would say it on
  // every pass, so validate says it once here.
  const program = await agentProgramProblem(d.agents[d.pool.agent]!);
  const folders = (await Promise.all(d.projects.map(async (p) => (await isDirectory(p.path)) ? null : `project folder ${p.path} does not exist: create it (or fix projects[].path); its tasks cannot run until it does`)));
  const warnings = [program, ...folders].filter((w): w is string => !!w);
  if (json) {
    const pool = { prefix: d.pool.prefix, size: d.pool.size, startIndex: d.pool.startIndex, agent: d.pool.agent };
    process.stdout.write(`${JSON.stringify({ valid: true, file: d.file, pool, projects: d.projects.map((p) => p.path), warnings }, null, 2)}\n`);
    return 0;
  }
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(`${d.file} is valid: pool of ${d.pool.size} (${d.pool.prefix}${d.pool.startIndex}…) running "${d.pool.agent}", ${d.projects.length} project(s)\n`);
  return 0;
}
