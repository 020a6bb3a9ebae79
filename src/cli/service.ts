import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { defaultConfigPath, loadDesired } from '../config/load.js';
import type { DesiredState } from '../config/types.js';
import { findExecutable } from '../util/which.js';
import { UsageError, type CliValues } from './main.js';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/agentpool.js');

/**
 * `agentpool service install|uninstall --user`: a systemd user unit that runs the controller for one
 * config, restarts it when it fails, and reloads it with `systemctl --user reload`. KillMode=process:
 * stopping the service stops the controller only; the tmux server it started, and the agents in it, run
 * on and the next start adopts them (as after any other restart).
 */
export async function serviceCommand(action: string, v: CliValues): Promise<number> {
  if (!v.user) throw new UsageError('only user units are supported: add --user (the controller runs as you, with your tmux and your agent CLI)');
  const configFile = resolve(v.config ?? defaultConfigPath());
  const d = await loadDesired(configFile);
  const name = unitName(d);
  const path = join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'systemd', 'user', name);
  const systemctl = await findExecutable('systemctl', process.env.PATH ?? '');
  if (action === 'install') {
    const text = unitText(d, configFile);
    if (v['dry-run']) {
      process.stdout.write(`# would write ${path}\n${text}`);
      return 0;
    }
    const before = await readFile(path, 'utf8').catch(() => null);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    process.stdout.write(`${before === null ? 'wrote' : before === text ? 'unchanged' : 'updated'} ${path}\n`);
    if (systemctl) await execa(systemctl, ['--user', 'daemon-reload'], { reject: false });
    process.stdout.write(`start it now and at login: systemctl --user enable --now ${name}\nfollow its log:            journalctl --user -u ${name} -f\n`);
    return 0;
  }
  if (action === 'uninstall') {
    if (v['dry-run']) {
      process.stdout.write(`would stop and disable ${name} and remove ${path}\n`);
      return 0;
    }
    if (systemctl) await execa(systemctl, ['--user', 'disable', '--now', name], { reject: false });
    const removed = await unlink(path).then(() => true, (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    });
    if (systemctl) await execa(systemctl, ['--user', 'daemon-reload'], { reject: false });
    process.stdout.write(removed ? `removed ${path} (the pool's tmux server and agents keep running)\n` : `no unit at ${path}\n`);
    return 0;
  }
  throw new UsageError(`service ${action}: use install or uninstall`);
}

/** One unit per pool: agentpool-<socket name>.service. */
export function unitName(d: DesiredState): string {
  const socket = 'socket' in d.tmux ? d.tmux.socket : d.tmux.socketPath;
  return `agentpool-${socket.replace(/^\//, '').replace(/[^A-Za-z0-9:_.-]+/g, '-')}.service`;
}

export function unitText(d: DesiredState, configFile: string): string {
  // systemd's own escaping: % and $ are its specifiers and variables; quotes keep a word with spaces whole.
  const word = (s: string) => s.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  const q = (s: string) => (/[\s"'\\]/.test(s) ? `"${word(s).replace(/["\\]/g, '\\$&')}"` : word(s));
  // What decides where agentpool keeps its state and tmux its sockets, as in the shell that installed it.
  const env = ['PATH', 'XDG_STATE_HOME', 'TMUX_TMPDIR', 'AGENTPOOL_LOG_LEVEL'].filter((k) => process.env[k]).map((k) => `Environment=${q(`${k}=${process.env[k]}`)}`);
  return `# Written by agentpool service install --user. Start: systemctl --user enable --now ${unitName(d)}
[Unit]
Description=agentpool controller for ${configFile}
After=default.target

[Service]
Type=simple
ExecStart=${[process.execPath, BIN, 'reconcile', '--config', configFile, '--log-format', 'json'].map(q).join(' ')}
ExecReload=/bin/kill -HUP $MAINPID
WorkingDirectory=${dirname(configFile).replace(/%/g, '%%')}
# As in the shell it was installed from: the agent CLI and tmux on its PATH, the same state folder and sockets.
${env.join('\n')}
Restart=on-failure
RestartSec=5
# Stop the controller only: the tmux server and the agents in it run on, and the next start adopts them.
KillMode=process
TimeoutStopSec=30

[Install]
WantedBy=default.target
`;
}
