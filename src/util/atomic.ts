import writeFileAtomic from 'write-file-atomic';

/**
 * Writes JSON so that a crash leaves either the old file or the new one, never half of either. `durable`
 * false skips the fsync, for a view written many times a second that the next write replaces anyway.
 */
export async function writeJsonAtomic(path: string, value: unknown, o: { durable?: boolean } = {}): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, fsync: o.durable !== false });
}
