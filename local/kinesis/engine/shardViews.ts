import type * as K from '@aws-sdk/client-kinesis';
import type { ShardMeta, StreamMeta } from './model.ts';
import { formatSequenceNumber, recordSequenceNumber } from './sequenceNumbers.ts';

/**
 * The SDK `Shard` of a shard: its hash range, parents and sequence number range (Ending only once
 * closed: the last record's number, or the Starting one when it closed empty).
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_Shard.html
 */
export function shardView(stream: StreamMeta, shard: ShardMeta): K.Shard {
  const range: K.SequenceNumberRange = {
    StartingSequenceNumber: formatSequenceNumber({
      shardIndex: shard.index,
      streamCreatedMs: stream.createdMs,
      tick: 0,
    }),
  };
  if (shard.endPosition !== undefined) {
    range.EndingSequenceNumber =
      shard.endPosition > 0
        ? recordSequenceNumber(shard.index, stream.createdMs, shard.endPosition - 1)
        : range.StartingSequenceNumber;
  }
  const view: K.Shard = {
    ShardId: shard.shardId,
    HashKeyRange: { StartingHashKey: shard.startingHashKey, EndingHashKey: shard.endingHashKey },
    SequenceNumberRange: range,
  };
  if (shard.parentShardId !== undefined) view.ParentShardId = shard.parentShardId;
  if (shard.adjacentParentShardId !== undefined) view.AdjacentParentShardId = shard.adjacentParentShardId;
  return view;
}

/** `ChildShards` entries (GetRecords, SubscribeToShard) for the children of a closed shard. */
export function childShardViews(children: readonly ShardMeta[]): K.ChildShard[] {
  return children.map((child) => ({
    ShardId: child.shardId,
    ParentShards: [child.parentShardId, child.adjacentParentShardId].filter((id): id is string => id !== undefined),
    HashKeyRange: { StartingHashKey: child.startingHashKey, EndingHashKey: child.endingHashKey },
  }));
}

/**
 * Shards still listed at `now`: a closed shard stays until the retention period after its closing
 * has passed (its records are readable until then), as AWS lists it.
 */
export function listedShards(stream: StreamMeta, now: number): ShardMeta[] {
  const retentionMs = stream.retentionHours * 3_600_000;
  return stream.shards.filter((shard) => shard.closedMs === undefined || shard.closedMs + retentionMs > now);
}
