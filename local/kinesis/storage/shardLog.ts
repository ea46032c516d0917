import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ShardWriteFailedError } from './errors.ts';
import { encodeFrame, type FrameRecord } from './frameCodec.ts';
import { readRecords } from './readRecords.ts';
import { syncDirectory } from './shardFiles.ts';
import { ENTRY_BYTES } from './shardIndex.ts';
import type { RecoveredShard } from './shardRecovery.ts';
import type { SegmentWrite } from './shardSegments.ts';
import { writeShardState } from './shardState.ts';
import type { ReadLimits, ShardBounds } from './types.ts';

export interface ShardLogOptions {
  segmentBytes: number;
  fsync: boolean;
}

/** Records reserved since the last flush started: written together by the next one. */
interface Batch {
  from: number;
  writes: SegmentWrite[];
  /** Offset and arrival ms of each record, flat. */
  entries: number[];
  end: number;
  arrivalMs: number;
  done: Promise<void>;
  settle: { resolve: () => void; reject: (error: unknown) => void };
}

/**
 * One shard's log with group commit. `reserve` is synchronous (positions follow call order); the
 * bytes of every record reserved while a flush runs are written by the next flush in one writev
 * per segment and one pwrite per index chunk. Reads see only flushed records.
 */
export class ShardLog {
  first: number;
  /** Committed: what reads and bounds see. */
  private next: number;
  private end: number;
  private lastArrivalMs: number | undefined;
  /** Reserved: where the next record goes. */
  private reservedNext: number;
  private reservedEnd: number;
  private reservedArrivalMs: number;
  private activeBase: number | undefined;
  private open: Batch | undefined;
  private flushing: Promise<void> | undefined;
  private failure: unknown;
  private dirReady: boolean;

  constructor(
    private readonly dir: string,
    private readonly options: ShardLogOptions,
    private readonly shard: RecoveredShard,
    existing: boolean,
  ) {
    this.first = shard.first;
    this.next = this.reservedNext = shard.next;
    this.end = this.reservedEnd = shard.end;
    this.lastArrivalMs = shard.lastArrivalMs;
    this.reservedArrivalMs = shard.lastArrivalMs ?? Number.NEGATIVE_INFINITY;
    this.activeBase = shard.segments.bases.at(-1);
    this.dirReady = existing;
  }

  /** Gives the record its position and queues its frame; `done` resolves once it is written. */
  reserve(record: Omit<FrameRecord, 'position'>): { position: number; done: Promise<void> } {
    if (this.failure !== undefined)
      throw new ShardWriteFailedError(`${this.dir}: an earlier write failed`, { cause: this.failure });
    const arrivalMs = Math.max(record.arrivalMs, this.reservedArrivalMs);
    const position = this.reservedNext;
    const frame = encodeFrame({ ...record, position, arrivalMs });
    const batch = this.openBatch();
    const offset = this.reservedEnd;
    const base = this.activeBase;
    if (base === undefined || (offset > base && offset - base + frame.length > this.options.segmentBytes)) {
      this.activeBase = offset;
      this.shard.segments.start(offset);
    }
    const last = batch.writes.at(-1);
    if (last && last.base === this.activeBase) last.frames.push(frame);
    else batch.writes.push({ base: this.activeBase as number, at: offset, frames: [frame] });
    batch.entries.push(offset, arrivalMs);
    this.reservedNext = position + 1;
    this.reservedEnd = offset + frame.length;
    this.reservedArrivalMs = arrivalMs;
    batch.end = this.reservedEnd;
    batch.arrivalMs = arrivalMs;
    return { position, done: batch.done };
  }

  bounds(): ShardBounds {
    return {
      first: this.first,
      next: this.next,
      lastArrivalMs: this.next > this.first ? this.lastArrivalMs : undefined,
    };
  }

  /** See `StreamStore.read`. */
  async read(position: number, limits: ReadLimits): Promise<FrameRecord[]> {
    const extent = { next: this.next, end: this.end };
    try {
      return await readRecords(this.shard.index, this.shard.segments, extent, Math.max(position, this.first), limits);
    } catch (error) {
      // Retention may have deleted the files under this read: read again from the new start.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || position >= this.first) throw error;
      return readRecords(this.shard.index, this.shard.segments, extent, this.first, limits);
    }
  }

  /** See `StreamStore.positionAt`: binary search over the index's arrival times. */
  async positionAt(ms: number): Promise<number> {
    let low = this.first;
    let high = this.next;
    while (low < high) {
      const mid = low + Math.floor((high - low) / 2);
      const arrivalMs = (await this.shard.index.read(mid, 1)).readDoubleLE(8);
      if (arrivalMs < ms) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Moves `first` to the first record at or after `ms`, persists it, then deletes whole files before it. */
  async trimBefore(ms: number): Promise<void> {
    const first = await this.positionAt(ms);
    if (first <= this.first) return;
    await writeShardState(this.dir, { first }, this.options.fsync);
    this.first = first;
    const offset = first < this.next ? (await this.shard.index.read(first, 1)).readDoubleLE(0) : this.end;
    await this.shard.segments.deleteBefore(offset);
    await this.shard.index.deleteBefore(first, Math.max(this.next - 1, 0));
  }

  /** Resolves once every reserved record is written (or failed). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private openBatch(): Batch {
    if (this.open) return this.open;
    let settle: Batch['settle'] = { resolve: () => undefined, reject: () => undefined };
    const done = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // Callers attach their own handlers; this one keeps an unobserved failure from crashing the process.
    done.catch(() => undefined);
    const batch: Batch = { from: this.reservedNext, writes: [], entries: [], end: 0, arrivalMs: 0, done, settle };
    this.open = batch;
    this.flushing ??= Promise.resolve().then(() => this.flushLoop());
    return batch;
  }

  private async flushLoop(): Promise<void> {
    for (let batch = this.open; batch; batch = this.open) {
      this.open = undefined;
      try {
        if (this.failure !== undefined)
          throw new ShardWriteFailedError(`${this.dir}: an earlier write failed`, { cause: this.failure });
        await this.write(batch);
        this.next = batch.from + batch.entries.length / 2;
        this.end = batch.end;
        this.lastArrivalMs = batch.arrivalMs;
        batch.settle.resolve();
      } catch (error) {
        this.failure ??= error;
        batch.settle.reject(error);
      }
    }
    this.flushing = undefined;
  }

  private async write(batch: Batch): Promise<void> {
    const { fsync } = this.options;
    if (!this.dirReady) {
      await mkdir(this.dir, { recursive: true });
      if (fsync) await syncDirectory(dirname(this.dir));
      this.dirReady = true;
    }
    const { segments, index } = this.shard;
    const chunksBefore = index.chunks.length;
    const logFiles = await segments.write(batch.writes);
    if (fsync) await segments.sync(logFiles);
    const entries = Buffer.allocUnsafe((batch.entries.length / 2) * ENTRY_BYTES);
    for (let i = 0; i < batch.entries.length; i += 1) entries.writeDoubleLE(batch.entries[i] as number, i * 8);
    const indexFiles = await index.write(batch.from, entries);
    if (!fsync) return;
    // The index is synced too: after a power cut, recovery trusts every entry below the newest valid one.
    await index.sync(indexFiles);
    const created = index.chunks.length !== chunksBefore || batch.writes.some((write) => write.at === write.base);
    if (created) await syncDirectory(this.dir);
  }
}
