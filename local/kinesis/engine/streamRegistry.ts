import { join } from 'node:path';
import { streamNameOfArn } from './arns.ts';
import type { EngineContext } from './engineContext.ts';
import { invalidArgument, resourceInUse, resourceNotFound } from './errors.ts';
import { MetadataFile } from './metadataFile.ts';
import type { StreamMeta } from './model.ts';
import { StreamRuntime } from './streamRuntime.ts';

/** How callers name a stream: by name, by ARN, or both (then they must agree). */
export interface StreamRef {
  StreamName?: string | undefined;
  StreamARN?: string | undefined;
}

/**
 * The streams of the engine: loads and persists their metadata, opens their stores, resolves
 * StreamName / StreamARN to a live stream, and finishes deletions whose DELETING time has passed.
 */
export class StreamRegistry {
  private readonly streams = new Map<string, StreamRuntime>();
  private readonly file: MetadataFile;
  /** Names being created (their store is opening), so a second CreateStream sees them taken. */
  private readonly reserved = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly deletions = new Set<Promise<void>>();

  constructor(private readonly ctx: EngineContext) {
    this.file = new MetadataFile(
      ctx.dataDir,
      () => ({ version: 1, streams: [...this.streams.values()].map((runtime) => runtime.meta) }),
      ctx.durability,
    );
  }

  /** Reopens every stream; a stream left CREATING or UPDATING comes back ACTIVE, DELETING ones go. */
  async load(): Promise<void> {
    const metadata = await this.file.load();
    const now = this.ctx.now();
    for (const meta of metadata.streams) {
      const runtime = await this.open(meta);
      if (meta.goneAtMs !== undefined) {
        await runtime.store.destroy();
        continue;
      }
      meta.readyAtMs = Math.min(meta.readyAtMs, now);
      delete meta.updatingUntilMs;
      meta.consumers = meta.consumers.filter((consumer) => consumer.goneAtMs === undefined);
      for (const consumer of meta.consumers) consumer.readyAtMs = Math.min(consumer.readyAtMs, now);
      this.streams.set(meta.name, runtime);
    }
    await this.save();
  }

  /** Persists the metadata of every stream. */
  save(): Promise<void> {
    return this.file.save();
  }

  /** Opens the store of a new stream and registers it; a taken name is ResourceInUseException. */
  async add(meta: StreamMeta): Promise<StreamRuntime> {
    if (this.reserved.has(meta.name) || this.find(meta.name)) {
      throw resourceInUse(`Stream ${meta.name} under account ${this.ctx.accountId} already exists.`);
    }
    this.reserved.add(meta.name);
    try {
      const runtime = await this.open(meta);
      this.streams.set(meta.name, runtime);
      await this.save();
      return runtime;
    } finally {
      this.reserved.delete(meta.name);
    }
  }

  /** Runs `task` after `ms` on an unref'd timer (state changes that have side effects). */
  later(ms: number, task: () => unknown): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      Promise.resolve()
        .then(task)
        .catch((error: unknown) => this.ctx.log(`kinesis: a delayed state change failed: ${String(error)}`));
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private async open(meta: StreamMeta): Promise<StreamRuntime> {
    const store = await this.ctx.openStore({
      dir: join(this.ctx.dataDir, 'streams', `${meta.name}-${meta.createdMs}`),
      durability: this.ctx.durability,
      log: this.ctx.log,
    });
    return new StreamRuntime(meta, store, this.ctx.shardLimits, this.ctx.now);
  }

  /** Streams that exist now (DELETING ones included until their time is up), by name. */
  list(): StreamRuntime[] {
    return [...this.streams.keys()]
      .sort()
      .map((name) => this.find(name))
      .filter((runtime): runtime is StreamRuntime => runtime !== undefined);
  }

  /** The stream called `name`, finishing its deletion first if that is due. */
  find(name: string): StreamRuntime | undefined {
    const runtime = this.streams.get(name);
    if (runtime?.meta.goneAtMs !== undefined && this.ctx.now() >= runtime.meta.goneAtMs) {
      this.track(this.finishDeletion(runtime));
      return undefined;
    }
    return runtime;
  }

  /**
   * Resolves StreamName and/or StreamARN; a missing stream is AWS's ResourceNotFoundException.
   * @example registry.resolve({ StreamName: 'events' }).meta.createdMs
   */
  resolve(ref: StreamRef): StreamRuntime {
    let name = ref.StreamName;
    if (ref.StreamARN !== undefined) {
      const fromArn = streamNameOfArn(this.ctx, ref.StreamARN);
      if (name !== undefined && fromArn !== undefined && fromArn !== name) {
        throw invalidArgument(`StreamARN ${ref.StreamARN} does not match StreamName ${name}.`);
      }
      if (fromArn === undefined) throw this.notFound(ref.StreamARN);
      name = fromArn;
    }
    if (name === undefined) throw invalidArgument('Either StreamName or StreamARN must be provided.');
    const runtime = this.find(name);
    if (!runtime) throw this.notFound(name);
    return runtime;
  }

  notFound(nameOrArn: string): Error {
    return resourceNotFound(`Stream ${nameOrArn} under account ${this.ctx.accountId} not found.`);
  }

  /** Drops a stream whose DELETING time is over: its records, its metadata, its waiters. */
  async finishDeletion(runtime: StreamRuntime): Promise<void> {
    if (this.streams.get(runtime.meta.name) !== runtime) return;
    this.streams.delete(runtime.meta.name);
    runtime.notifier.notifyAll();
    await runtime.gate.exclusiveRun(() => runtime.store.destroy());
    await this.save();
  }

  /** Keeps a background deletion so close() waits for it, and logs its failure instead of leaving it unhandled. */
  private track(deletion: Promise<void>): void {
    const tracked: Promise<void> = deletion
      .catch((error: unknown) => this.ctx.log(`kinesis: finishing a stream's deletion failed: ${String(error)}`))
      .finally(() => this.deletions.delete(tracked));
    this.deletions.add(tracked);
  }

  /** Finishes due deletions (called by the housekeeping timer). */
  sweep(): void {
    for (const name of [...this.streams.keys()]) this.find(name);
  }

  async close(): Promise<void> {
    await Promise.all(this.deletions);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const runtime of this.streams.values()) runtime.notifier.notifyAll();
    await this.file.save();
    await Promise.all([...this.streams.values()].map((runtime) => runtime.store.close()));
    this.streams.clear();
  }
}
