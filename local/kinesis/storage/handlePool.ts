import { type FileHandle, open } from 'node:fs/promises';

interface Slot {
  handle: Promise<FileHandle>;
  users: number;
  /** Set when the file was deleted while in use: close on last release. */
  forgotten: boolean;
}

/**
 * A bounded set of open file descriptors, least recently used closed first, so a store with many
 * shards and files never holds more than `max` descriptors (beyond those in use at that moment).
 * A file is opened by its first user with that user's flags (`w+` creates it, `r+` reopens it).
 */
export class HandlePool {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly max: number) {}

  /**
   * Runs `work` with the file's descriptor held open.
   * @example await pool.use('/tmp/x.log', 'r+', (file) => file.read(buffer, 0, 8, 0));
   */
  async use<T>(path: string, flags: 'r+' | 'w+', work: (file: FileHandle) => Promise<T>): Promise<T> {
    let slot = this.slots.get(path);
    if (slot) {
      this.slots.delete(path);
    } else {
      slot = { handle: open(path, flags), users: 0, forgotten: false };
    }
    this.slots.set(path, slot);
    slot.users += 1;
    try {
      return await work(await slot.handle);
    } catch (error) {
      // A failed open must not stay cached.
      if (slot.users === 1 && (await settled(slot.handle)) === undefined) this.drop(path, slot);
      throw error;
    } finally {
      slot.users -= 1;
      if (slot.forgotten && slot.users === 0) void closeQuietly(slot.handle);
      this.evict();
    }
  }

  /** Closes the file's descriptor (now, or when its last user is done); call before deleting a file. */
  forget(path: string): void {
    const slot = this.slots.get(path);
    if (!slot) return;
    this.slots.delete(path);
    if (slot.users === 0) void closeQuietly(slot.handle);
    else slot.forgotten = true;
  }

  /** forget() for every file below `dir` (a shard folder about to be deleted). */
  forgetUnder(dir: string): void {
    for (const path of [...this.slots.keys()]) if (path.startsWith(`${dir}/`)) this.forget(path);
  }

  /** Closes every idle descriptor (the store's close waits for its own writes first). */
  async closeAll(): Promise<void> {
    const slots = [...this.slots.values()];
    this.slots.clear();
    await Promise.all(slots.map((slot) => closeQuietly(slot.handle)));
  }

  private drop(path: string, slot: Slot): void {
    if (this.slots.get(path) === slot) this.slots.delete(path);
  }

  private evict(): void {
    if (this.slots.size <= this.max) return;
    for (const [path, slot] of this.slots) {
      if (this.slots.size <= this.max) break;
      if (slot.users > 0) continue;
      this.slots.delete(path);
      void closeQuietly(slot.handle);
    }
  }
}

async function settled(handle: Promise<FileHandle>): Promise<FileHandle | undefined> {
  try {
    return await handle;
  } catch {
    return undefined;
  }
}

async function closeQuietly(handle: Promise<FileHandle>): Promise<void> {
  const file = await settled(handle);
  // Closing can only fail for an already closed descriptor; nothing to recover.
  await file?.close().catch(() => undefined);
}
