import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineMetadata } from './model.ts';

const FILE = 'kinesis-engine.json';

/**
 * The metadata file: small JSON, rewritten whole on each change through a temp file and a rename, so
 * a crash leaves either the old or the new version. Saves are coalesced: while one is being
 * written, later requests collapse into one more write of the latest state. With durability
 * 'fsync' the file and its folder are synced before a save resolves, as the records are: the
 * layout that names a shard must survive a power cut whenever that shard's records do.
 */
export class MetadataFile {
  private writing: Promise<void> | undefined;
  private pending = false;

  constructor(
    private readonly dir: string,
    private readonly snapshot: () => EngineMetadata,
    private readonly durability: 'os' | 'fsync' = 'os',
  ) {}

  /** Reads the file; an absent file is an empty engine. */
  async load(): Promise<EngineMetadata> {
    await mkdir(this.dir, { recursive: true });
    try {
      const text = await readFile(join(this.dir, FILE), 'utf8');
      return JSON.parse(text) as EngineMetadata;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, streams: [] };
      throw error;
    }
  }

  /** Persists the current state; resolves once a write that includes it is on disk. */
  save(): Promise<void> {
    if (this.writing) {
      // The running write loops once more and so covers this state too.
      this.pending = true;
      return this.writing;
    }
    this.writing = this.writeNow().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async writeNow(): Promise<void> {
    do {
      this.pending = false;
      const target = join(this.dir, FILE);
      const temp = `${target}.${process.pid}.tmp`;
      const file = await open(temp, 'w');
      try {
        await file.writeFile(JSON.stringify(this.snapshot()));
        if (this.durability === 'fsync') await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, target);
      if (this.durability === 'fsync') await syncFolder(this.dir);
    } while (this.pending);
  }
}

/** Makes a rename in `dir` durable (the folder's entry, not only the file's bytes). */
async function syncFolder(dir: string): Promise<void> {
  const folder = await open(dir, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
