import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError, StoreClosedError } from './errors.ts';
import { assertEncodable } from './frameCodec.ts';
import { HandlePool } from './handlePool.ts';
import { assertShardId } from './shardFiles.ts';
import { ShardLog } from './shardLog.ts';
import { emptyShard, recoverShard } from './shardRecovery.ts';
import type { AppendEntry, ReadLimits, ShardBounds, StoredRecord, StreamStore, StreamStoreOptions } from './types.ts';

/** Sizes, for tests and benchmarks; the defaults suit the engine. */
export interface StreamStoreTuning {
  /** A segment file is closed to new frames once the next would take it past this (default 64 MiB). */
  segmentBytes?: number;
  /** Index entries per chunk file (default 1,048,576: 16 MiB files); fixed when the directory is created. */
  indexChunkEntries?: number;
  /** Open descriptors kept for reuse (default 64); files in use at the moment are not counted. */
  maxOpenFiles?: number;
}

const DEFAULTS: Required<StreamStoreTuning> = {
  segmentBytes: 64 * 2 ** 20,
  indexChunkEntries: 2 ** 20,
  maxOpenFiles: 64,
};
const MARKER_FILE = 'store.json';
const MARKER = { format: 'kinesis-pipeline/stream-store', version: 1 };

/**
 * Opens (creating if missing) a stream's record store in `options.dir`, recovering each shard from
 * any crash first. Layout and guarantees: FORMAT.md beside this file.
 * @example
 * const store = await openStreamStore({ dir: '.local/data/kinesis/orders', durability: 'os' });
 * const [position] = await store.append([{ shardId: 'shardId-000000000000', partitionKey: 'k', data, arrivalMs: Date.now() }]);
 */
export async function openStreamStore(options: StreamStoreOptions & StreamStoreTuning): Promise<StreamStore> {
  const tuning = { ...DEFAULTS, ...withoutUndefined(options) };
  const log = options.log ?? (() => undefined);
  await mkdir(options.dir, { recursive: true });
  const chunkEntries = await readMarker(options.dir, tuning.indexChunkEntries);
  const pool = new HandlePool(tuning.maxOpenFiles);
  const shards = new Map<string, ShardLog>();
  const logOptions = { segmentBytes: tuning.segmentBytes, fsync: options.durability === 'fsync' };
  for (const entry of await readdir(options.dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    assertShardId(entry.name);
    const dir = join(options.dir, entry.name);
    const recovered = await recoverShard(dir, pool, chunkEntries, log);
    shards.set(entry.name, new ShardLog(dir, logOptions, recovered, true));
  }
  const create = (shardId: string) => {
    const dir = join(options.dir, shardId);
    return new ShardLog(dir, logOptions, emptyShard(dir, pool, chunkEntries), false);
  };
  return new DiskStreamStore(options.dir, pool, shards, create);
}

class DiskStreamStore implements StreamStore {
  private closed = false;
  private trimming: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly pool: HandlePool,
    private readonly shards: Map<string, ShardLog>,
    private readonly create: (shardId: string) => ShardLog,
  ) {}

  async append(entries: readonly AppendEntry[]): Promise<number[]> {
    this.assertOpen();
    // Refuse the whole call before reserving anything, so no call is half appended.
    for (const entry of entries) {
      assertShardId(entry.shardId);
      assertEncodable(entry.partitionKey, entry.explicitHashKey);
      if (!Number.isFinite(entry.arrivalMs)) throw new StorageError(`arrivalMs ${entry.arrivalMs} is not finite`);
    }
    const positions: number[] = [];
    const writes = new Set<Promise<void>>();
    for (const entry of entries) {
      let shard = this.shards.get(entry.shardId);
      if (!shard) {
        shard = this.create(entry.shardId);
        this.shards.set(entry.shardId, shard);
      }
      const { position, done } = shard.reserve(entry);
      positions.push(position);
      writes.add(done);
    }
    await Promise.all(writes);
    return positions;
  }

  async read(shardId: string, position: number, limits: ReadLimits): Promise<StoredRecord[]> {
    this.assertOpen();
    const shard = this.shards.get(shardId);
    if (!shard) return [];
    const records = await shard.read(position, limits);
    return records.map((record) => ({ shardId, ...record }));
  }

  async positionAt(shardId: string, ms: number): Promise<number> {
    this.assertOpen();
    return (await this.shards.get(shardId)?.positionAt(ms)) ?? 0;
  }

  bounds(shardId: string): ShardBounds {
    this.assertOpen();
    return this.shards.get(shardId)?.bounds() ?? { first: 0, next: 0, lastArrivalMs: undefined };
  }

  trimBefore(ms: number): Promise<void> {
    this.assertOpen();
    // One trim at a time: each moves `first` forward only.
    const run = this.trimming.then(async () => {
      for (const shard of this.shards.values()) await shard.trimBefore(ms);
    });
    this.trimming = run.catch(() => undefined);
    return run;
  }

  dropShard(shardId: string): Promise<void> {
    this.assertOpen();
    // In the trim queue, so a trim never walks a shard whose files are going.
    const run = this.trimming.then(async () => {
      const shard = this.shards.get(shardId);
      if (!shard) return;
      this.shards.delete(shardId);
      await shard.drain();
      const dir = join(this.dir, shardId);
      this.pool.forgetUnder(dir);
      await rm(dir, { recursive: true, force: true });
    });
    this.trimming = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.trimming;
    for (const shard of this.shards.values()) await shard.drain();
    await this.pool.closeAll();
  }

  async destroy(): Promise<void> {
    await this.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError(`the store in ${this.dir} is closed`);
  }
}

/**
 * Refuses a directory written by another format version; marks a new one. The index chunk size is
 * part of the layout, so the one the directory was created with wins over the option.
 */
async function readMarker(dir: string, indexChunkEntries: number): Promise<number> {
  const path = join(dir, MARKER_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // Temp file and rename: a crash leaves no marker or a whole one.
    await writeFile(`${path}.tmp`, JSON.stringify({ ...MARKER, indexChunkEntries }));
    await rename(`${path}.tmp`, path);
    return indexChunkEntries;
  }
  const found = JSON.parse(text) as typeof MARKER & { indexChunkEntries?: number };
  if (
    found.format !== MARKER.format ||
    found.version !== MARKER.version ||
    !Number.isSafeInteger(found.indexChunkEntries)
  ) {
    throw new StorageError(`${path}: not a version ${MARKER.version} stream store (${text.slice(0, 200)})`);
  }
  return found.indexChunkEntries as number;
}

function withoutUndefined(options: StreamStoreTuning): StreamStoreTuning {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
