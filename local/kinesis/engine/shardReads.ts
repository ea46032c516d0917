import type * as K from '@aws-sdk/client-kinesis';
import { dataStream, type EngineState } from './engineState.ts';
import { expiredIterator, invalidArgument, resourceNotFound, throughputExceeded } from './errors.ts';
import { decodeIterator, encodeIterator } from './iterators.ts';
import { GET_RECORDS_BYTES, GET_RECORDS_MAX, ITERATOR_LIFETIME_MS } from './limits.ts';
import { recordBytes, recordView } from './recordViews.ts';
import { listedShard, readShard, startPosition } from './shardPositions.ts';
import { childShardViews } from './shardViews.ts';

/**
 * GetShardIterator and GetRecords.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html
 */

export async function getShardIterator(
  state: EngineState,
  input: K.GetShardIteratorInput,
): Promise<K.GetShardIteratorOutput> {
  const runtime = dataStream(state, input);
  const shard = listedShard(state, runtime, input.ShardId ?? '');
  const position = await startPosition(runtime, shard, {
    type: input.ShardIteratorType,
    sequenceNumber: input.StartingSequenceNumber,
    timestamp: input.Timestamp,
  });
  return {
    ShardIterator: encodeIterator({
      streamName: runtime.meta.name,
      streamCreatedMs: runtime.meta.createdMs,
      shardIndex: shard.index,
      position,
      issuedMs: state.ctx.now(),
    }),
  };
}

export async function getRecords(state: EngineState, input: K.GetRecordsInput): Promise<K.GetRecordsOutput> {
  if (input.Limit !== undefined && input.Limit > GET_RECORDS_MAX) {
    // The API reference: "If you specify a value that is greater than 10000, GetRecords throws InvalidArgumentException."
    throw invalidArgument(
      `Limit ${input.Limit} is greater than the maximum of ${GET_RECORDS_MAX} records per GetRecords call.`,
    );
  }
  const iterator = decodeIterator(input.ShardIterator ?? '');
  const now = state.ctx.now();
  if (now - iterator.issuedMs > ITERATOR_LIFETIME_MS) {
    throw expiredIterator(
      `Iterator expired. The iterator was created at time ${new Date(iterator.issuedMs).toISOString()} while right now it is ${new Date(now).toISOString()} which is further in the future than the tolerated delay of ${ITERATOR_LIFETIME_MS} milliseconds.`,
    );
  }
  const runtime = dataStream(state, { StreamName: iterator.streamName, StreamARN: input.StreamARN });
  if (runtime.meta.createdMs !== iterator.streamCreatedMs) throw state.registry.notFound(iterator.streamName);
  const indexed = runtime.shardByIndex(iterator.shardIndex);
  if (!indexed) throw resourceNotFound(`Shard of iterator not found in stream ${iterator.streamName}.`);
  const shard = listedShard(state, runtime, indexed.shardId);
  if (!runtime.limiter.tryRead(shard.shardId)) {
    throw throughputExceeded(
      `Rate exceeded for Shard - ${shard.shardId} in stream ${runtime.meta.name} under account ${state.ctx.accountId}.`,
    );
  }
  const read = await readShard(
    runtime,
    shard,
    iterator.position,
    {
      maxRecords: input.Limit ?? GET_RECORDS_MAX,
      maxBytes: runtime.limiter.readBudget(shard.shardId, GET_RECORDS_BYTES),
    },
    now,
  );
  let bytes = 0;
  const records = read.records.map((stored) => {
    bytes += recordBytes(stored);
    return recordView(runtime.meta, shard, stored);
  });
  runtime.limiter.chargeRead(shard.shardId, bytes);
  const output: K.GetRecordsOutput = { Records: records, MillisBehindLatest: read.millisBehindLatest };
  if (read.ended) {
    output.ChildShards = childShardViews(runtime.children(shard.shardId));
  } else {
    output.NextShardIterator = encodeIterator({ ...iterator, position: read.next, issuedMs: now });
  }
  return output;
}
