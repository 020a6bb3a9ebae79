/** agentpool service install|uninstall --user: the unit it writes is valid, and only the controller stops with it. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPoolEnv, ensureBuilt, REPO_ROOT, type PoolEnv } from '../helpers/pool-env.js';

let env: PoolEnv;
beforeAll(async () => {
  await ensureBuilt();
  env = await createPoolEnv({ size: 1 });
}, 120_000);
afterAll(() => env.cleanup());

describe('agentpool service', () => {
  it('writes a systemd user unit that runs the controller for the config, and removes it', async () => {
    const xdg = join(env.dir, 'xdg');
    const unit = join(xdg, 'systemd', 'user', `agentpool-${env.socket}.service`);
    const run = (...args: string[]) => env.run('agentpool', ['service', ...args, '--config', env.configFile], { env: { XDG_CONFIG_HOME: xdg } });

    const refused = await run('install');
    expect([refused.exitCode, refused.stderr]).toEqual([2, expect.stringContaining('only user units are supported: add --user')]);
    const dry = await run('install', '--user', '--dry-run');
    expect(dry.stdout.split('\n')[0]).toBe(`# would write ${unit}`);
    expect(existsSync(unit)).toBe(false);

    const first = await run('install', '--user');
    expect(first.stdout).toContain(`wrote ${unit}`);
    expect(first.stdout).toContain(`systemctl --user enable --now agentpool-${env.socket}.service`);
    const text = await readFile(unit, 'utf8');
    expect(text).toContain(`ExecStart=${process.execPath} ${join(REPO_ROOT, 'bin/agentpool.js')} reconcile --config ${env.configFile} --log-format json`);
    expect(text).toContain('KillMode=process');
    expect(text).toContain('ExecReload=/bin/kill -HUP $MAINPID');
    expect(text).toBe(dry.stdout.split('\n').slice(1).join('\n') + '\n');
    // systemd's own check, where systemd is installed.
    const verify = await execa('systemd-analyze', ['verify', unit], { reject: false });
    if (verify.exitCode !== undefined && !/ENOENT/.test(String(verify.message))) expect(verify.stderr.trim(), 'systemd-analyze verify').toBe('');
    expect((await run('install', '--user')).stdout).toContain(`unchanged ${unit}`);

    const gone = await run('uninstall', '--user');
    expect(gone.stdout).toContain(`removed ${unit}`);
    expect(existsSync(unit)).toBe(false);
    expect((await run('uninstall', '--user')).stdout).toContain(`no unit at ${unit}`);
  });
});
