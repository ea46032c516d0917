/**
 * The storage contract of the local Kinesis engine: an append-only, durable record log per stream,
 * addressed per shard by a dense position (0, 1, 2, ... in append order within the shard). The
 * engine maps positions to AWS-shaped sequence numbers; storage knows nothing of sequence numbers,
 * iterators or hash ranges.
 *
 * Durability: `append` resolves only once every record of the call is written to the operating
 * system (it survives a SIGKILL of this process at any moment); with `durability: 'fsync'` also
 * flushed to the disk (it survives a power cut). Torn writes are recovered by `openStreamStore`:
 * a partly written record is never visible, and every record whose append resolved is there.
 *
 * Bounded: memory does not grow with the number of records held (only with the number of shards
 * and files); an append is O(1), a seek by position O(1) or O(log n), by timestamp O(log n).
 */

export interface AppendEntry {
  /** Shard id as the engine names it, e.g. `shardId-000000000003`. */
  shardId: string;
  partitionKey: string;
  /** As sent (decimal string), when the producer gave one. */
  explicitHashKey?: string;
  data: Uint8Array;
  /** Arrival time in epoch ms; storage keeps it non-decreasing per shard (raises it if needed). */
  arrivalMs: number;
}

export interface StoredRecord {
  shardId: string;
  /** Dense per-shard position. */
  position: number;
  partitionKey: string;
  explicitHashKey?: string;
  data: Uint8Array;
  arrivalMs: number;
}

export interface ReadLimits {
  /** At most this many records (GetRecords: 10,000). */
  maxRecords: number;
  /** Stop before the total of data + partition key bytes would exceed this (GetRecords: 10 MiB); at least one record is returned when one exists. */
  maxBytes: number;
}

export interface ShardBounds {
  /** First position still held (moves up when retention trims). */
  first: number;
  /** Position the next appended record of this shard gets (= count ever appended). */
  next: number;
  /** Arrival ms of the newest record, if any is held. */
  lastArrivalMs: number | undefined;
}

export interface StreamStore {
  /** Appends records (any mix of shards), returning each record's position, in input order. */
  append(entries: readonly AppendEntry[]): Promise<number[]>;
  /** Records of one shard from `position` on (clamped up to `first`), within limits. */
  read(shardId: string, position: number, limits: ReadLimits): Promise<StoredRecord[]>;
  /** The first position whose arrival is at or after `ms` (may equal `next`). */
  positionAt(shardId: string, ms: number): Promise<number>;
  bounds(shardId: string): ShardBounds;
  /** Drops every record that arrived before `ms` (retention); whole files may be deleted lazily. */
  trimBefore(ms: number): Promise<void>;
  /**
   * Deletes one shard's records and files, once its pending writes are done (a closed shard whose
   * records all passed retention). Unknown shards are ignored.
   */
  dropShard(shardId: string): Promise<void>;
  /** Flushes and closes files; the store can be reopened. */
  close(): Promise<void>;
  /** Deletes every file of the stream (DeleteStream). */
  destroy(): Promise<void>;
}

export interface StreamStoreOptions {
  /** Directory owned by this stream's store (created if missing). */
  dir: string;
  durability: 'os' | 'fsync';
  /** Where recovery notes go (e.g. "cut a torn record at byte N"). */
  log?: (line: string) => void;
}
