import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidShardIdError } from './errors.ts';

/**
 * File naming inside a shard's directory (see FORMAT.md). Numbers are zero-padded to 16 digits so
 * a plain directory listing sorts them.
 */

const pad = (value: number) => value.toString().padStart(16, '0');
export const segmentName = (base: number) => `seg-${pad(base)}.log`;
export const chunkName = (firstPosition: number) => `idx-${pad(firstPosition)}.idx`;
export const STATE_FILE = 'state.json';
const SEGMENT_PATTERN = /^seg-(\d{16})\.log$/;
const CHUNK_PATTERN = /^idx-(\d{16})\.idx$/;
/** Shard ids become directory names: keep them to what is safe on every filesystem. */
const SHARD_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

/**
 * Throws unless the shard id is usable as a directory name (AWS shard ids always are).
 * @example assertShardId('shardId-000000000003');
 */
export function assertShardId(shardId: string): void {
  if (!SHARD_ID_PATTERN.test(shardId)) throw new InvalidShardIdError(`shard id ${JSON.stringify(shardId)}`);
}

export interface ShardListing {
  /** Logical byte offsets of the segment files, ascending. */
  segments: number[];
  /** First positions of the index chunk files, ascending. */
  chunks: number[];
}

/**
 * The segment and index files of a shard directory, by number.
 * @example (await listShardFiles(dir)).segments // [0, 67108880]
 */
export async function listShardFiles(dir: string): Promise<ShardListing> {
  const segments: number[] = [];
  const chunks: number[] = [];
  for (const name of await readdir(dir)) {
    const segment = SEGMENT_PATTERN.exec(name);
    if (segment?.[1]) segments.push(Number(segment[1]));
    const chunk = CHUNK_PATTERN.exec(name);
    if (chunk?.[1]) chunks.push(Number(chunk[1]));
  }
  const ascending = (a: number, b: number) => a - b;
  return { segments: segments.sort(ascending), chunks: chunks.sort(ascending) };
}

/**
 * Flushes a directory's entries (new or renamed files) to disk, for `durability: 'fsync'`.
 * @example await syncDirectory('/data/stream/shardId-000000000000');
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export const pathIn = (dir: string, name: string) => join(dir, name);
