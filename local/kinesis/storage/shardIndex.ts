import { stat, truncate, unlink } from 'node:fs/promises';
import { StorageCorruptionError } from './errors.ts';
import type { HandlePool } from './handlePool.ts';
import { chunkName, pathIn } from './shardFiles.ts';

/** One index entry: the frame's logical byte offset (f64) and its arrival ms (f64). */
export const ENTRY_BYTES = 16;

/**
 * A shard's position index: entry n (position n) at byte (n mod chunkEntries) * 16 of the chunk
 * file holding position n, so a seek by position is one pread and retention deletes whole chunks.
 * Entries are fixed-width and written in position order; the log is the truth and recovery
 * repairs the index from it.
 */
export class ShardIndex {
  constructor(
    private readonly dir: string,
    private readonly pool: HandlePool,
    readonly chunkEntries: number,
    /** First positions of the chunk files present, ascending. */
    readonly chunks: number[],
  ) {}

  /**
   * Entries `from` .. `from + count - 1` in one buffer (one pread per chunk crossed).
   * @example (await index.read(10, 1)).readDoubleLE(0) // offset of position 10
   */
  async read(from: number, count: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(count * ENTRY_BYTES);
    let done = 0;
    while (done < count) {
      const position = from + done;
      const chunk = this.chunkOf(position);
      const inChunk = Math.min(count - done, chunk + this.chunkEntries - position);
      const length = inChunk * ENTRY_BYTES;
      const { bytesRead } = await this.pool.use(pathIn(this.dir, chunkName(chunk)), 'r+', (file) =>
        file.read(out, done * ENTRY_BYTES, length, (position - chunk) * ENTRY_BYTES),
      );
      if (bytesRead !== length)
        throw new StorageCorruptionError(`${this.dir}: index ends before position ${position + inChunk - 1}`);
      done += inChunk;
    }
    return out;
  }

  /** Writes consecutive entries starting at position `from`; returns the chunk files touched. */
  async write(from: number, entries: Buffer): Promise<string[]> {
    const count = entries.length / ENTRY_BYTES;
    const touched: string[] = [];
    let done = 0;
    while (done < count) {
      const position = from + done;
      const chunk = this.chunkOf(position);
      const inChunk = Math.min(count - done, chunk + this.chunkEntries - position);
      const path = pathIn(this.dir, chunkName(chunk));
      const slice = entries.subarray(done * ENTRY_BYTES, (done + inChunk) * ENTRY_BYTES);
      // Writes only ever extend the newest chunk or start a new one, which creates its file.
      const flags = this.chunks.at(-1) === chunk ? 'r+' : 'w+';
      await this.pool.use(path, flags, (file) => file.write(slice, 0, slice.length, (position - chunk) * ENTRY_BYTES));
      if (this.chunks.at(-1) !== chunk) this.chunks.push(chunk);
      touched.push(path);
      done += inChunk;
    }
    return touched;
  }

  /** Syncs the data of the given chunk files (fsync durability). */
  async sync(paths: readonly string[]): Promise<void> {
    for (const path of paths) await this.pool.use(path, 'r+', (file) => file.datasync());
  }

  /** Entries present: from the size of the last chunk file (a torn partial entry does not count). */
  async countOnDisk(): Promise<number> {
    const last = this.chunks.at(-1);
    if (last === undefined) return 0;
    const { size } = await stat(pathIn(this.dir, chunkName(last)));
    return last + Math.min(this.chunkEntries, Math.floor(size / ENTRY_BYTES));
  }

  /** Drops every entry at or after `count` (recovery). */
  async truncateTo(count: number): Promise<void> {
    while (this.chunks.length > 0 && (this.chunks.at(-1) as number) >= count) {
      await this.remove(this.chunks.pop() as number);
    }
    const last = this.chunks.at(-1);
    if (last !== undefined)
      await truncate(pathIn(this.dir, chunkName(last)), Math.min(count - last, this.chunkEntries) * ENTRY_BYTES);
  }

  /** Deletes chunk files holding only positions below `first`, keeping the one of `keep` (the newest entry). */
  async deleteBefore(first: number, keep: number): Promise<void> {
    while (this.chunks.length > 1) {
      const chunk = this.chunks[0] as number;
      if (chunk + this.chunkEntries > first || chunk === this.chunkOf(keep)) break;
      this.chunks.shift();
      await this.remove(chunk);
    }
  }

  private chunkOf(position: number): number {
    return position - (position % this.chunkEntries);
  }

  private async remove(chunk: number): Promise<void> {
    const path = pathIn(this.dir, chunkName(chunk));
    this.pool.forget(path);
    await unlink(path);
  }
}
