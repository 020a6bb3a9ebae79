import type { DesiredState } from '../config/types.js';
import { diagnose, type Finding } from '../doctor/checks.js';
import { gatherFacts } from '../doctor/facts.js';
import { ConfigInvalidError, defaultConfigPath, loadDesired } from '../config/load.js';
import type { CliValues } from './main.js';

const MARK: Record<Finding['status'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

/**
 * Checks the machine the pool is about to run on and says what to do about each problem. Exits 1 when
 * something would make every task fail.
 */
export async function doctorCommand(v: CliValues): Promise<number> {
  const file = v.config ?? defaultConfigPath();
  let d: DesiredState | null = null;
  let error: string | undefined;
  try {
    d = await loadDesired(file);
  } catch (err) {
    if (!(err instanceof ConfigInvalidError) && (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    error = (err as Error).message;
  }
  const findings = diagnose(await gatherFacts(file, d, error));
  const failed = findings.some((f) => f.status === 'fail');
  if (v.output === 'json') {
    process.stdout.write(`${JSON.stringify({ ok: !failed, findings }, null, 2)}\n`);
  } else {
    for (const f of findings) {
      process.stdout.write(`${MARK[f.status]}  ${f.check}: ${f.message}\n`);
      if (f.fix && f.status !== 'ok') process.stdout.write(`      → ${f.fix}\n`);
    }
    const n = (s: Finding['status']) => findings.filter((f) => f.status === s).length;
    process.stdout.write(`\n${failed ? `${n('fail')} problem(s) would make every task fail` : 'nothing would stop the pool'}${n('warn') ? `; ${n('warn')} warning(s)` : ''}\n`);
  }
  return failed ? 1 : 0;
}
