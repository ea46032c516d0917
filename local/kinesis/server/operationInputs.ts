import type { KinesisAction } from '../engine/api.ts';
import {
  boolean,
  consumerArn,
  consumerName,
  encryptionType,
  hashKey,
  integer,
  keyId,
  type Members,
  nextToken,
  oneOf,
  optional,
  partitionKey,
  recordData,
  required,
  resourceArn,
  sequenceNumber,
  shardId,
  shardIterator,
  shardIteratorType,
  shardLevelMetrics,
  streamArn,
  streamId,
  streamModeDetails,
  streamName,
  structure,
  tagKey,
  tagKeyList,
  tagMap,
  timestamp,
} from './shapes.ts';

/**
 * Each served action's request members and their constraints, from its "Request Parameters" in the
 * API reference (e.g. https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html).
 * Members a request carries beyond these are ignored, as AWS ignores unknown fields. Ranges the API
 * reference leaves to the service (retention hours, the stream's own record size) are the engine's.
 */

/** The members most stream-addressed actions share: the stream by name or ARN. */
const STREAM = { StreamName: optional(streamName), StreamARN: optional(streamArn), StreamId: optional(streamId) };
const CONSUMER = {
  StreamARN: optional(streamArn),
  ConsumerName: optional(consumerName),
  ConsumerARN: optional(consumerArn),
  StreamId: optional(streamId),
};
const ENCRYPTION = { ...STREAM, EncryptionType: required(encryptionType), KeyId: required(keyId) };
const LIST_LIMIT = integer(1, 10000);
const DRY_RUN = { DryRun: optional(boolean) };

const putRecordsEntry = structure({
  Data: required(recordData),
  ExplicitHashKey: optional(hashKey),
  PartitionKey: optional(partitionKey),
});

export const OPERATION_INPUTS: Readonly<Record<KinesisAction, Members>> = {
  AddTagsToStream: { ...STREAM, Tags: required(tagMap(10)) },
  CreateStream: {
    StreamName: required(streamName),
    ShardCount: optional(integer(1)),
    StreamModeDetails: optional(streamModeDetails),
    Tags: optional(tagMap(50)),
    WarmThroughputMiBps: optional(integer(0)),
    MaxRecordSizeInKiB: optional(integer(1024, 10240)),
    RecordDistributionStrategy: optional(oneOf('AUTO', 'USER_PARTITION_KEY')),
  },
  DecreaseStreamRetentionPeriod: { ...STREAM, RetentionPeriodHours: required(integer()) },
  DeleteStream: { ...STREAM, EnforceConsumerDeletion: optional(boolean) },
  DeregisterStreamConsumer: CONSUMER,
  DescribeLimits: {},
  DescribeStream: { ...STREAM, Limit: optional(LIST_LIMIT), ExclusiveStartShardId: optional(shardId) },
  DescribeStreamConsumer: CONSUMER,
  DescribeStreamSummary: STREAM,
  DisableEnhancedMonitoring: { ...STREAM, ShardLevelMetrics: required(shardLevelMetrics) },
  EnableEnhancedMonitoring: { ...STREAM, ShardLevelMetrics: required(shardLevelMetrics) },
  GetRecords: {
    ShardIterator: required(shardIterator),
    // No upper bound here: the API reference says a Limit over 10,000 throws InvalidArgumentException (the engine's).
    Limit: optional(integer(1)),
    StreamARN: optional(streamArn),
    StreamId: optional(streamId),
    ...DRY_RUN,
  },
  GetShardIterator: {
    ...STREAM,
    ShardId: required(shardId),
    ShardIteratorType: required(shardIteratorType),
    StartingSequenceNumber: optional(sequenceNumber),
    Timestamp: optional(timestamp),
    ...DRY_RUN,
  },
  IncreaseStreamRetentionPeriod: { ...STREAM, RetentionPeriodHours: required(integer()) },
  ListShards: {
    ...STREAM,
    NextToken: optional(nextToken),
    ExclusiveStartShardId: optional(shardId),
    MaxResults: optional(LIST_LIMIT),
    StreamCreationTimestamp: optional(timestamp),
    ShardFilter: optional(
      structure({
        Type: required(
          oneOf(
            'AFTER_SHARD_ID',
            'AT_TRIM_HORIZON',
            'FROM_TRIM_HORIZON',
            'AT_LATEST',
            'AT_TIMESTAMP',
            'FROM_TIMESTAMP',
          ),
        ),
        ShardId: optional(shardId),
        Timestamp: optional(timestamp),
      }),
    ),
  },
  ListStreamConsumers: {
    StreamARN: required(streamArn),
    NextToken: optional(nextToken),
    MaxResults: optional(LIST_LIMIT),
    StreamCreationTimestamp: optional(timestamp),
    StreamId: optional(streamId),
  },
  ListStreams: {
    Limit: optional(LIST_LIMIT),
    ExclusiveStartStreamName: optional(streamName),
    NextToken: optional(nextToken),
  },
  ListTagsForResource: { ResourceARN: required(resourceArn), StreamId: optional(streamId) },
  ListTagsForStream: { ...STREAM, ExclusiveStartTagKey: optional(tagKey), Limit: optional(integer(1, 50)) },
  MergeShards: { ...STREAM, ShardToMerge: required(shardId), AdjacentShardToMerge: required(shardId) },
  PutRecord: {
    ...STREAM,
    Data: required(recordData),
    PartitionKey: optional(partitionKey),
    ExplicitHashKey: optional(hashKey),
    SequenceNumberForOrdering: optional(sequenceNumber),
    ...DRY_RUN,
  },
  PutRecords: {
    Records: required({ type: 'list', member: putRecordsEntry, min: 1, max: 500 }),
    ...STREAM,
    ...DRY_RUN,
  },
  RegisterStreamConsumer: {
    StreamARN: required(streamArn),
    ConsumerName: required(consumerName),
    StreamId: optional(streamId),
    Tags: optional(tagMap(50)),
  },
  RemoveTagsFromStream: { ...STREAM, TagKeys: required(tagKeyList) },
  SplitShard: { ...STREAM, ShardToSplit: required(shardId), NewStartingHashKey: required(hashKey) },
  StartStreamEncryption: ENCRYPTION,
  StopStreamEncryption: ENCRYPTION,
  SubscribeToShard: {
    ConsumerARN: required(consumerArn),
    StreamId: optional(streamId),
    ShardId: required(shardId),
    StartingPosition: required(
      structure({
        Type: required(shardIteratorType),
        SequenceNumber: optional(sequenceNumber),
        Timestamp: optional(timestamp),
      }),
    ),
    ...DRY_RUN,
  },
  TagResource: { Tags: required(tagMap(50)), ResourceARN: required(resourceArn), StreamId: optional(streamId) },
  UntagResource: { TagKeys: required(tagKeyList), ResourceARN: required(resourceArn), StreamId: optional(streamId) },
  UpdateMaxRecordSize: {
    StreamARN: optional(streamArn),
    StreamId: optional(streamId),
    MaxRecordSizeInKiB: required(integer(1024, 10240)),
  },
  UpdateShardCount: {
    ...STREAM,
    TargetShardCount: required(integer(1)),
    ScalingType: required(oneOf('UNIFORM_SCALING')),
  },
  UpdateStreamMode: {
    StreamARN: required(streamArn),
    StreamId: optional(streamId),
    StreamModeDetails: required(streamModeDetails),
    WarmThroughputMiBps: optional(integer(0)),
  },
};
