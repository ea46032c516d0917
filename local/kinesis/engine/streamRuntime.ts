import type { StreamStore } from '../storage/types.ts';
import { AppendNotifier } from './appendNotifier.ts';
import { isOpen, type ShardMeta, type StreamMeta } from './model.ts';
import { ReshardGate } from './reshardGate.ts';
import { ShardLimiter } from './shardLimiter.ts';

/**
 * One live stream: its metadata, its record store, and the in-memory helpers derived from them
 * (routing table, shard index, append notifier, limiter, reshard gate).
 */
export class StreamRuntime {
  readonly gate = new ReshardGate();
  readonly notifier = new AppendNotifier();
  readonly limiter: ShardLimiter;
  /** Open shards sorted by starting hash key (hex), for routing by binary search. */
  private routing: ShardMeta[] = [];
  private readonly byId = new Map<string, ShardMeta>();

  constructor(
    readonly meta: StreamMeta,
    readonly store: StreamStore,
    shardLimits: boolean,
    now: () => number,
  ) {
    this.limiter = new ShardLimiter(shardLimits, now);
    this.reindex();
  }

  /** Call after any change of `meta.shards`. */
  reindex(): void {
    this.byId.clear();
    for (const shard of this.meta.shards) this.byId.set(shard.shardId, shard);
    this.routing = this.meta.shards.filter(isOpen).sort((a, b) => (a.startHex < b.startHex ? -1 : 1));
  }

  shard(shardId: string): ShardMeta | undefined {
    return this.byId.get(shardId);
  }

  /** Shard by its creation index (decoded from sequence numbers). */
  shardByIndex(index: number): ShardMeta | undefined {
    return this.meta.shards.find((shard) => shard.index === index);
  }

  openShardCount(): number {
    return this.routing.length;
  }

  /**
   * The open shard whose hash range holds `hashHex`.
   * @example runtime.route(partitionKeyHashHex('user-1')).shardId
   */
  route(hashHex: string): ShardMeta {
    const shards = this.routing;
    let low = 0;
    let high = shards.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((shards[mid] as ShardMeta).startHex <= hashHex) low = mid;
      else high = mid - 1;
    }
    return shards[low] as ShardMeta;
  }

  /** Children of a shard (shards naming it as a parent). */
  children(shardId: string): ShardMeta[] {
    return this.meta.shards.filter((s) => s.parentShardId === shardId || s.adjacentParentShardId === shardId);
  }
}
