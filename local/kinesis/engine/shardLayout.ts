import { hashKeyHex } from './hashKeys.ts';
import { type ShardMeta, shardIdOf } from './model.ts';
import type { StreamRuntime } from './streamRuntime.ts';

/**
 * The two layout primitives every reshard is made of. They run inside the stream's reshard gate
 * (no append in flight), so a parent's closing position is final: its EndingSequenceNumber is its
 * last record's, and every later record goes to a child.
 */

function close(runtime: StreamRuntime, shard: ShardMeta, now: number): void {
  shard.closedMs = now;
  shard.endPosition = runtime.store.bounds(shard.shardId).next;
}

function open(
  runtime: StreamRuntime,
  start: bigint,
  end: bigint,
  now: number,
  parents: { parentShardId: string; adjacentParentShardId?: string },
): ShardMeta {
  const index = runtime.meta.nextShardIndex++;
  const shard: ShardMeta = {
    shardId: shardIdOf(index),
    index,
    startingHashKey: start.toString(),
    endingHashKey: end.toString(),
    startHex: hashKeyHex(start),
    createdMs: now,
    ...parents,
  };
  runtime.meta.shards.push(shard);
  return shard;
}

/**
 * Closes `shard` and opens two children: [start, key - 1] and [key, end].
 * @example splitAt(runtime, shard, 2n ** 127n, now) // [left, right]
 */
export function splitAt(runtime: StreamRuntime, shard: ShardMeta, key: bigint, now: number): [ShardMeta, ShardMeta] {
  close(runtime, shard, now);
  const left = open(runtime, BigInt(shard.startingHashKey), key - 1n, now, { parentShardId: shard.shardId });
  const right = open(runtime, key, BigInt(shard.endingHashKey), now, { parentShardId: shard.shardId });
  runtime.reindex();
  return [left, right];
}

/**
 * Closes two adjacent shards and opens their union; `shard` is the child's ParentShardId and
 * `adjacent` its AdjacentParentShardId, as MergeShards names them.
 */
export function mergePair(runtime: StreamRuntime, shard: ShardMeta, adjacent: ShardMeta, now: number): ShardMeta {
  close(runtime, shard, now);
  close(runtime, adjacent, now);
  const start = BigInt(shard.startingHashKey) < BigInt(adjacent.startingHashKey) ? shard : adjacent;
  const end = start === shard ? adjacent : shard;
  const child = open(runtime, BigInt(start.startingHashKey), BigInt(end.endingHashKey), now, {
    parentShardId: shard.shardId,
    adjacentParentShardId: adjacent.shardId,
  });
  runtime.reindex();
  return child;
}

/** Whether two shards' hash ranges touch. */
export function adjacent(a: ShardMeta, b: ShardMeta): boolean {
  return (
    BigInt(a.endingHashKey) + 1n === BigInt(b.startingHashKey) ||
    BigInt(b.endingHashKey) + 1n === BigInt(a.startingHashKey)
  );
}
