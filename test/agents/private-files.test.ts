import { mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotOursError, readOwnedFile, writePrivateFile } from '../../src/agents/private-files.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentpool-private-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('readOwnedFile', () => {
  it('reads a file of ours, gives "" for a missing one and refuses a symbolic link', async () => {
    const file = join(dir, 'events.jsonl');
    expect(await readOwnedFile(file)).toBe('');
    await writePrivateFile(file, 'a\n');
    expect(await readOwnedFile(file)).toBe('a\n');
    await writeFile(join(dir, 'elsewhere'), 'secret');
    await symlink(join(dir, 'elsewhere'), join(dir, 'link'));
    await expect(readOwnedFile(join(dir, 'link'))).rejects.toThrow(NotOursError);
    await expect(readOwnedFile(dir)).rejects.toThrow(/not a regular file/);
  });

  it('never fails a read while a launch renames the file away and writes a fresh one (seen as ENOENT in the demo)', async () => {
    const file = join(dir, 'events.jsonl');
    await writePrivateFile(file, 'old\n');
    let stop = false;
    const churn = (async () => {
      for (let i = 0; !stop; i++) {
        await rename(file, `${file}.prev`).catch(() => {});
        await writePrivateFile(file, `new ${i}\n`);
      }
    })();
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) seen.add((await readOwnedFile(file)).slice(0, 3));
    stop = true;
    await churn;
    expect([...seen].every((s) => ['', 'old', 'new'].includes(s))).toBe(true);
  });
});
