/** How often `--watch` redraws. */
const EVERY_MS = 1_000;

/**
 * Shows `report` again every second until q, Ctrl-C or SIGTERM. On a terminal it redraws in place (and reads
 * keys: q quits); otherwise each report is printed after the last, separated by a blank line, for a log.
 */
export async function watch(report: () => Promise<{ text: string; warning?: string }>): Promise<number> {
  const tty = process.stdout.isTTY === true;
  let quit: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (quit = resolve));
  let done = false;
  void stopped.then(() => (done = true));
  const onKey = (key: Buffer) => {
    if (key.includes(0x71) || key.includes(0x03)) quit(); // q, Ctrl-C (raw mode delivers it as a byte)
  };
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
  if (process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    process.stdin.on('data', onKey).resume();
  }
  try {
    while (!done) {
      const r: { text: string; warning?: string } = await report().catch((err: Error) => ({ text: `agentpool: ${err.message}\n` }));
      const warning = r.warning ?? '';
      process.stdout.write(tty ? `\x1b[H\x1b[2J${warning}${r.text}\n(every ${EVERY_MS / 1000} s; q quits)` : `${warning}${r.text}\n`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([stopped, new Promise((r) => (timer = setTimeout(r, EVERY_MS)))]);
      clearTimeout(timer);
    }
  } finally {
    process.off('SIGINT', quit);
    process.off('SIGTERM', quit);
    if (process.stdin.isTTY) {
      process.stdin.off('data', onKey).setRawMode(false);
      process.stdin.pause();
    }
    if (tty) process.stdout.write('\n');
  }
  return 0;
}
