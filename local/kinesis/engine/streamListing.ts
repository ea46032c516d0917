import type * as K from '@aws-sdk/client-kinesis';
import { streamArn } from './arns.ts';
import type { EngineState } from './engineState.ts';
import { consumerStatus, type ShardMeta, type StreamMeta, streamStatus } from './model.ts';
import { decodePageToken, encodePageToken } from './pageTokens.ts';
import { listedShards, shardView } from './shardViews.ts';
import type { StreamRuntime } from './streamRuntime.ts';

/**
 * Read-only stream listings: DescribeStream, DescribeStreamSummary, ListStreams.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeStream.html
 */

const DESCRIBE_STREAM_LIMIT = 100;
const LIST_STREAMS_LIMIT = 100;

const byShardId = (a: ShardMeta, b: ShardMeta): number => (a.shardId < b.shardId ? -1 : 1);

function encryptionOf(meta: StreamMeta): Pick<K.StreamDescription, 'EncryptionType' | 'KeyId'> {
  return meta.encryption ? { EncryptionType: 'KMS', KeyId: meta.encryption.keyId } : { EncryptionType: 'NONE' };
}

export async function describeStream(
  state: EngineState,
  input: K.DescribeStreamInput,
): Promise<K.DescribeStreamOutput> {
  const { meta } = state.registry.resolve(input);
  const now = state.ctx.now();
  const after = input.ExclusiveStartShardId;
  const shards = listedShards(meta, now)
    .sort(byShardId)
    .filter((shard) => after === undefined || shard.shardId > after);
  const limit = input.Limit ?? DESCRIBE_STREAM_LIMIT;
  return {
    StreamDescription: {
      StreamName: meta.name,
      StreamARN: streamArn(state.ctx, meta.name),
      StreamStatus: streamStatus(meta, now),
      StreamModeDetails: { StreamMode: meta.mode },
      Shards: shards.slice(0, limit).map((shard) => shardView(meta, shard)),
      HasMoreShards: shards.length > limit,
      RetentionPeriodHours: meta.retentionHours,
      StreamCreationTimestamp: new Date(meta.createdMs),
      EnhancedMonitoring: [{ ShardLevelMetrics: [...meta.shardLevelMetrics] as K.MetricsName[] }],
      ...encryptionOf(meta),
    },
  };
}

export async function describeStreamSummary(
  state: EngineState,
  input: K.DescribeStreamSummaryInput,
): Promise<K.DescribeStreamSummaryOutput> {
  const runtime = state.registry.resolve(input);
  const { meta } = runtime;
  const now = state.ctx.now();
  return {
    StreamDescriptionSummary: {
      StreamName: meta.name,
      StreamARN: streamArn(state.ctx, meta.name),
      StreamStatus: streamStatus(meta, now),
      StreamModeDetails: { StreamMode: meta.mode },
      RetentionPeriodHours: meta.retentionHours,
      StreamCreationTimestamp: new Date(meta.createdMs),
      EnhancedMonitoring: [{ ShardLevelMetrics: [...meta.shardLevelMetrics] as K.MetricsName[] }],
      ...encryptionOf(meta),
      OpenShardCount: runtime.openShardCount(),
      ConsumerCount: meta.consumers.filter((c) => consumerStatus(c, now) !== 'DELETING').length,
      MaxRecordSizeInKiB: meta.maxRecordSizeKiB,
    },
  };
}

function summaryOf(state: EngineState, runtime: StreamRuntime, now: number): K.StreamSummary {
  const { meta } = runtime;
  return {
    StreamName: meta.name,
    StreamARN: streamArn(state.ctx, meta.name),
    StreamStatus: streamStatus(meta, now),
    StreamModeDetails: { StreamMode: meta.mode },
    StreamCreationTimestamp: new Date(meta.createdMs),
  };
}

/** Streams by name, after ExclusiveStartStreamName or the NextToken's position. */
export async function listStreams(state: EngineState, input: K.ListStreamsInput): Promise<K.ListStreamsOutput> {
  const now = state.ctx.now();
  const after =
    input.NextToken !== undefined
      ? decodePageToken(input.NextToken, 'streams', now).after
      : input.ExclusiveStartStreamName;
  const streams = state.registry.list().filter((runtime) => after === undefined || runtime.meta.name > after);
  const limit = input.Limit ?? LIST_STREAMS_LIMIT;
  const page = streams.slice(0, limit);
  const hasMore = streams.length > limit;
  const output: K.ListStreamsOutput = {
    StreamNames: page.map((runtime) => runtime.meta.name),
    HasMoreStreams: hasMore,
    StreamSummaries: page.map((runtime) => summaryOf(state, runtime, now)),
  };
  const last = page.at(-1);
  if (hasMore && last) {
    output.NextToken = encodePageToken({ kind: 'streams', scope: '', after: last.meta.name, issuedMs: now });
  }
  return output;
}
