import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageCorruptionError } from './errors.ts';
import { STATE_FILE, syncDirectory } from './shardFiles.ts';

/** What a shard keeps besides its log and index: where retention has moved its start. */
export interface ShardStateFile {
  first: number;
}

/**
 * Reads a shard's state file; absent means nothing was ever trimmed.
 * @example (await readShardState(dir)).first // 0
 */
export async function readShardState(dir: string): Promise<ShardStateFile> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { first: 0 };
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<ShardStateFile>;
  if (!Number.isSafeInteger(parsed.first) || (parsed.first ?? -1) < 0) {
    throw new StorageCorruptionError(`${join(dir, STATE_FILE)}: no valid "first"`);
  }
  return { first: parsed.first as number };
}

/**
 * Replaces the state file atomically (temp file, fsync, rename), so a crash leaves the old or the new one.
 * @example await writeShardState(dir, { first: 1200 }, true);
 */
export async function writeShardState(dir: string, state: ShardStateFile, fsync: boolean): Promise<void> {
  const path = join(dir, STATE_FILE);
  const temp = `${path}.tmp`;
  const file = await open(temp, 'w');
  try {
    await file.writeFile(JSON.stringify(state));
    if (fsync) await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  if (fsync) await syncDirectory(dir);
}
