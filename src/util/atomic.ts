import writeFileAtomic from 'write-file-atomic';

/** Writes JSON so that a crash leaves either the old file or the new one, never half of either. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, fsync: true });
}
