/**
 * Where a mapping remembers how far it got in each shard. Lambda keeps this itself; locally it is
 * this interface, in memory or in a JSON file (fileCheckpoints.ts), so that a restart resumes after
 * the last completed batch.
 */

/** The open tumbling window of a shard and the state the function returned for it. */
export interface WindowCheckpoint {
  /** Epoch ms, aligned to the window length. */
  startMs: number;
  endMs: number;
  state: Record<string, unknown>;
}

export interface ShardCheckpoint {
  /** Every record up to and including this sequence number is done (delivered, filtered or discarded). */
  sequenceNumber?: string;
  /** The shard is closed and read to its end: its children may start. */
  shardEnded?: boolean;
  window?: WindowCheckpoint;
}

export interface CheckpointStore {
  get(mappingId: string, shardId: string): Promise<ShardCheckpoint | undefined>;
  /** Resolves once the checkpoint is as durable as the store gets. */
  put(mappingId: string, shardId: string, checkpoint: ShardCheckpoint): Promise<void>;
  /** Resolves once every put so far is durable. */
  flush(): Promise<void>;
}

/**
 * Checkpoints held in this process only: a restart starts over from StartingPosition.
 *
 * @example
 * const checkpoints = new MemoryCheckpointStore();
 * await checkpoints.put('OrdersMapping', 'shardId-000000000000', { sequenceNumber: '4968...' });
 */
export class MemoryCheckpointStore implements CheckpointStore {
  protected readonly byMapping = new Map<string, Map<string, ShardCheckpoint>>();

  async get(mappingId: string, shardId: string): Promise<ShardCheckpoint | undefined> {
    const checkpoint = this.byMapping.get(mappingId)?.get(shardId);
    return checkpoint === undefined ? undefined : structuredClone(checkpoint);
  }

  async put(mappingId: string, shardId: string, checkpoint: ShardCheckpoint): Promise<void> {
    let shards = this.byMapping.get(mappingId);
    if (shards === undefined) {
      shards = new Map();
      this.byMapping.set(mappingId, shards);
    }
    shards.set(shardId, structuredClone(checkpoint));
  }

  async flush(): Promise<void> {}
}
