import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type CheckpointStore, MemoryCheckpointStore, type ShardCheckpoint } from './checkpoints.ts';
import { CheckpointFileError } from './errors.ts';

/** Unique temporary names: two stores of this process may share a file (a restart in tests). */
let temporaryFiles = 0;

interface CheckpointFile {
  version: 1;
  mappings: Record<string, Record<string, ShardCheckpoint>>;
}

/**
 * Checkpoints in one JSON file (for example `.local/data/checkpoints.json`). Every put rewrites the
 * file atomically (a temporary file, then rename), so a crash leaves either the old or the new
 * file, never a cut one; puts that arrive during a write are coalesced into the next one. A put
 * resolves once its checkpoint is on disk, which is what lets a restart resume after the last
 * completed batch.
 *
 * @example
 * const checkpoints = await FileCheckpointStore.open('.local/data/checkpoints.json');
 */
export class FileCheckpointStore extends MemoryCheckpointStore implements CheckpointStore {
  private requested = 0;
  private written = 0;
  private writing: Promise<void> | undefined;
  private waiters: Array<{ generation: number; resolve: () => void; reject: (error: unknown) => void }> = [];

  private constructor(private readonly file: string) {
    super();
  }

  /** Opens the file if it exists (a missing file is an empty store). */
  static async open(file: string): Promise<FileCheckpointStore> {
    const store = new FileCheckpointStore(file);
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (text !== undefined) store.load(parse(file, text));
    return store;
  }

  override async put(mappingId: string, shardId: string, checkpoint: ShardCheckpoint): Promise<void> {
    await super.put(mappingId, shardId, checkpoint);
    this.requested += 1;
    const generation = this.requested;
    const persisted = new Promise<void>((resolve, reject) => this.waiters.push({ generation, resolve, reject }));
    this.writing ??= this.writeUntilCurrent();
    return persisted;
  }

  override async flush(): Promise<void> {
    await this.writing;
  }

  private load(content: CheckpointFile): void {
    for (const [mappingId, shards] of Object.entries(content.mappings)) {
      this.byMapping.set(mappingId, new Map(Object.entries(shards)));
    }
  }

  private async writeUntilCurrent(): Promise<void> {
    try {
      while (this.written < this.requested) {
        const generation = this.requested;
        await this.writeAtomically();
        this.written = generation;
        this.settle((waiter) => waiter.generation <= generation, undefined);
      }
    } catch (error) {
      this.settle(() => true, error);
    } finally {
      this.writing = undefined;
    }
  }

  private settle(which: (waiter: { generation: number }) => boolean, error: unknown): void {
    const done = this.waiters.filter(which);
    this.waiters = this.waiters.filter((waiter) => !which(waiter));
    for (const waiter of done) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
  }

  private async writeAtomically(): Promise<void> {
    const content: CheckpointFile = { version: 1, mappings: {} };
    for (const [mappingId, shards] of this.byMapping) content.mappings[mappingId] = Object.fromEntries(shards);
    await mkdir(dirname(this.file), { recursive: true });
    temporaryFiles += 1;
    const temporary = `${this.file}.${process.pid}-${temporaryFiles}.tmp`;
    await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`);
    await rename(temporary, this.file);
  }
}

function parse(file: string, text: string): CheckpointFile {
  try {
    const content = JSON.parse(text) as CheckpointFile;
    if (content.version !== 1 || typeof content.mappings !== 'object' || content.mappings === null) {
      throw new Error(`unknown layout (version ${String(content.version)})`);
    }
    return content;
  } catch (error) {
    throw new CheckpointFileError(`Checkpoint file ${file} is unreadable; move it away to start over`, {
      cause: error,
    });
  }
}
