import { unlink } from 'node:fs/promises';
import { StorageCorruptionError, StorageError } from './errors.ts';
import type { HandlePool } from './handlePool.ts';
import { pathIn, segmentName } from './shardFiles.ts';

/** Frames bound for one segment file, contiguous from logical offset `at`. */
export interface SegmentWrite {
  base: number;
  at: number;
  frames: Buffer[];
}

/**
 * A shard's log: segment files covering one contiguous logical byte range, each named by the
 * logical offset of its first byte. A frame never spans two segments, so the index's offsets
 * address frames directly and a read range is split at segment bases only.
 */
export class ShardSegments {
  constructor(
    private readonly dir: string,
    private readonly pool: HandlePool,
    /** Logical offsets of the segment files, ascending. */
    readonly bases: number[],
  ) {}

  /** Registers a segment starting at `base` (its file is created by its first write). */
  start(base: number): void {
    this.bases.push(base);
  }

  /**
   * `length` bytes from logical `offset` (one pread per segment crossed).
   * @example const frame = await segments.read(offsetOf(10), frameLength);
   */
  async read(offset: number, length: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    let index = this.indexOf(offset);
    while (done < length) {
      const base = this.bases[index];
      if (base === undefined) throw new StorageCorruptionError(`${this.dir}: no segment holds offset ${offset + done}`);
      const next = this.bases[index + 1] ?? Number.POSITIVE_INFINITY;
      const part = Math.min(length - done, next - (offset + done));
      const { bytesRead } = await this.pool.use(pathIn(this.dir, segmentName(base)), 'r+', (file) =>
        file.read(out, done, part, offset + done - base),
      );
      if (bytesRead !== part)
        throw new StorageCorruptionError(`${this.dir}: segment ${base} ends before ${offset + done + part}`);
      done += part;
      index += 1;
    }
    return out;
  }

  /** Appends frames (one writev per segment); returns the files written. */
  async write(writes: readonly SegmentWrite[]): Promise<string[]> {
    const touched: string[] = [];
    for (const { base, at, frames } of writes) {
      const path = pathIn(this.dir, segmentName(base));
      const bytes = frames.reduce((sum, frame) => sum + frame.length, 0);
      const { bytesWritten } = await this.pool.use(path, at === base ? 'w+' : 'r+', (file) =>
        file.writev(frames, at - base),
      );
      if (bytesWritten !== bytes) throw new StorageError(`${path}: wrote ${bytesWritten} of ${bytes} bytes`);
      touched.push(path);
    }
    return touched;
  }

  /** Syncs the data of the given segment files (fsync durability). */
  async sync(paths: readonly string[]): Promise<void> {
    for (const path of paths) await this.pool.use(path, 'r+', (file) => file.datasync());
  }

  /** Deletes segments wholly before logical `offset`, never the newest one. */
  async deleteBefore(offset: number): Promise<void> {
    while (this.bases.length > 1 && (this.bases[1] as number) <= offset) {
      const base = this.bases.shift() as number;
      const path = pathIn(this.dir, segmentName(base));
      this.pool.forget(path);
      await unlink(path);
    }
  }

  /**
   * Deletes the segments after the `at`-th (recovery's cut), closing their cached descriptors
   * first: a descriptor left open on a deleted file would take the writes of a later segment that
   * gets the same name, and those records would vanish with it.
   */
  async deleteAfter(at: number): Promise<number> {
    const later = this.bases.splice(at + 1);
    for (const base of later) {
      const path = pathIn(this.dir, segmentName(base));
      this.pool.forget(path);
      await unlink(path);
    }
    return later.length;
  }

  /** Index in `bases` of the segment holding logical `offset` (binary search). */
  indexOf(offset: number): number {
    let low = 0;
    let high = this.bases.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.bases[mid] as number) <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}
