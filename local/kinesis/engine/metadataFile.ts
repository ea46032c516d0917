import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineMetadata } from './model.ts';

const FILE = 'kinesis-engine.json';

/**
 * The metadata file: small JSON, rewritten whole on each change through a temp file and a rename, so
 * a crash leaves either the old or the new version. Saves are coalesced: while one is being
 * written, later requests collapse into one more write of the latest state.
 */
export class MetadataFile {
  private writing: Promise<void> | undefined;
  private pending = false;

  constructor(
    private readonly dir: string,
    private readonly snapshot: () => EngineMetadata,
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
      await writeFile(temp, JSON.stringify(this.snapshot()));
      await rename(temp, target);
    } while (this.pending);
  }
}
