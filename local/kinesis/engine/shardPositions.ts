import type * as K from '@aws-sdk/client-kinesis';
import type { StoredRecord } from '../storage/types.ts';
import type { EngineState } from './engineState.ts';
import { invalidArgument, resourceNotFound } from './errors.ts';
import type { ShardMeta } from './model.ts';
import { parseSequenceNumber } from './sequenceNumbers.ts';
import { listedShards } from './shardViews.ts';
import type { StreamRuntime } from './streamRuntime.ts';

/**
 * Starting positions and shard reads shared by GetShardIterator/GetRecords and SubscribeToShard.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html
 */

/** A listed shard of the stream, or AWS's ResourceNotFoundException. */
export function listedShard(state: EngineState, runtime: StreamRuntime, shardId: string): ShardMeta {
  const shard = runtime.shard(shardId);
  if (!shard || !listedShards(runtime.meta, state.ctx.now()).includes(shard)) {
    throw resourceNotFound(
      `Shard ${shardId} in stream ${runtime.meta.name} under account ${state.ctx.accountId} does not exist`,
    );
  }
  return shard;
}

/** Where the shard's records end now: its closing position, or storage's next. */
export function shardEnd(runtime: StreamRuntime, shard: ShardMeta): number {
  return shard.endPosition ?? runtime.store.bounds(shard.shardId).next;
}

export interface StartRequest {
  type: K.ShardIteratorType | undefined;
  sequenceNumber?: string | undefined;
  timestamp?: Date | undefined;
}

/** The storage position an iterator type starts at (O(1) except AT_TIMESTAMP's O(log n) seek). */
export async function startPosition(runtime: StreamRuntime, shard: ShardMeta, start: StartRequest): Promise<number> {
  switch (start.type) {
    case 'TRIM_HORIZON':
      return runtime.store.bounds(shard.shardId).first;
    case 'LATEST':
      return shardEnd(runtime, shard);
    case 'AT_TIMESTAMP': {
      if (!start.timestamp)
        throw invalidArgument('Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP.');
      const position = await runtime.store.positionAt(shard.shardId, start.timestamp.getTime());
      return Math.min(position, shardEnd(runtime, shard));
    }
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER': {
      if (start.sequenceNumber === undefined) {
        throw invalidArgument(`Must specify StartingSequenceNumber for iterator of type ${start.type}.`);
      }
      const parts = parseSequenceNumber(start.sequenceNumber);
      if (parts.shardIndex !== shard.index || parts.streamCreatedMs !== runtime.meta.createdMs) {
        throw invalidArgument(
          `Invalid StartingSequenceNumber. It encodes a different shard or stream than ${shard.shardId} in stream ${runtime.meta.name}.`,
        );
      }
      const position = start.type === 'AT_SEQUENCE_NUMBER' ? Math.max(parts.tick - 1, 0) : parts.tick;
      if (position > shardEnd(runtime, shard)) {
        throw invalidArgument(
          `StartingSequenceNumber ${start.sequenceNumber} used in GetShardIterator on shard ${shard.shardId} in stream ${runtime.meta.name} is beyond the shard's last record.`,
        );
      }
      return position;
    }
    default:
      throw invalidArgument(`Unknown ShardIteratorType ${String(start.type)}.`);
  }
}

export interface ShardRead {
  records: StoredRecord[];
  /** Position to read next. */
  next: number;
  /** The shard is closed and every record of it was read. */
  ended: boolean;
  millisBehindLatest: number;
}

/**
 * Reads from `position` within limits. An iterator before the trim horizon reads from the oldest
 * record held (storage clamps).
 */
export async function readShard(
  runtime: StreamRuntime,
  shard: ShardMeta,
  position: number,
  limits: { maxRecords: number; maxBytes: number },
  now: number,
): Promise<ShardRead> {
  const end = shardEnd(runtime, shard);
  const from = Math.max(position, runtime.store.bounds(shard.shardId).first);
  let records = from < end ? await runtime.store.read(shard.shardId, from, limits) : [];
  if (shard.endPosition !== undefined) records = records.filter((r) => r.position < end);
  const last = records.at(-1);
  const next = last ? last.position + 1 : from;
  const tip = shardEnd(runtime, shard);
  const millisBehindLatest = next >= tip || !last ? 0 : Math.max(0, now - last.arrivalMs);
  return { records, next, ended: shard.endPosition !== undefined && next >= shard.endPosition, millisBehindLatest };
}
