import type * as K from '@aws-sdk/client-kinesis';
import type { StreamStore, StreamStoreOptions } from '../storage/types.ts';

/**
 * The engine contract: one method per Kinesis API action, taking and returning the AWS SDK v3
 * input/output shapes (`Uint8Array` data, `Date` timestamps). The wire layer (`../server/`) turns
 * JSON 1.1 (and CBOR) requests into these shapes after checking them against the API's member
 * constraints (ValidationException), and the outputs back into JSON. The engine implements the
 * semantics: state, routing, sequence numbers, iterators, resharding, retention, limits, and throws
 * `KinesisServiceError` with AWS's error codes (`ResourceNotFoundException`,
 * `InvalidArgumentException`, `ResourceInUseException`, `LimitExceededException`,
 * `ExpiredIteratorException`, `ProvisionedThroughputExceededException`, ...).
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_Operations.html
 */
export interface KinesisApi {
  createStream(input: K.CreateStreamInput): Promise<Record<string, never>>;
  deleteStream(input: K.DeleteStreamInput): Promise<Record<string, never>>;
  describeStream(input: K.DescribeStreamInput): Promise<K.DescribeStreamOutput>;
  describeStreamSummary(input: K.DescribeStreamSummaryInput): Promise<K.DescribeStreamSummaryOutput>;
  listStreams(input: K.ListStreamsInput): Promise<K.ListStreamsOutput>;
  listShards(input: K.ListShardsInput): Promise<K.ListShardsOutput>;
  putRecord(input: K.PutRecordInput): Promise<K.PutRecordOutput>;
  putRecords(input: K.PutRecordsInput): Promise<K.PutRecordsOutput>;
  getShardIterator(input: K.GetShardIteratorInput): Promise<K.GetShardIteratorOutput>;
  getRecords(input: K.GetRecordsInput): Promise<K.GetRecordsOutput>;
  registerStreamConsumer(input: K.RegisterStreamConsumerInput): Promise<K.RegisterStreamConsumerOutput>;
  describeStreamConsumer(input: K.DescribeStreamConsumerInput): Promise<K.DescribeStreamConsumerOutput>;
  listStreamConsumers(input: K.ListStreamConsumersInput): Promise<K.ListStreamConsumersOutput>;
  deregisterStreamConsumer(input: K.DeregisterStreamConsumerInput): Promise<Record<string, never>>;
  /**
   * Checks the subscription (consumer ACTIVE, shard exists, no other subscription of this consumer
   * to this shard) and throws before any event; then the returned iterable yields events as
   * records arrive (pushed, not polled: an append wakes it), a heartbeat event with no records
   * about every 5 s when idle, and ends after `subscriptionMs` (5 minutes; AWS's lifetime) or,
   * once a closed shard is read to its end, after one event carrying `ChildShards`. Aborting
   * `signal` ends it early (the client went away).
   */
  subscribeToShard(
    input: K.SubscribeToShardInput,
    signal: AbortSignal,
  ): Promise<AsyncIterable<K.SubscribeToShardEvent>>;
  splitShard(input: K.SplitShardInput): Promise<Record<string, never>>;
  mergeShards(input: K.MergeShardsInput): Promise<Record<string, never>>;
  updateShardCount(input: K.UpdateShardCountInput): Promise<K.UpdateShardCountOutput>;
  updateStreamMode(input: K.UpdateStreamModeInput): Promise<Record<string, never>>;
  updateMaxRecordSize(input: K.UpdateMaxRecordSizeInput): Promise<Record<string, never>>;
  increaseStreamRetentionPeriod(input: K.IncreaseStreamRetentionPeriodInput): Promise<Record<string, never>>;
  decreaseStreamRetentionPeriod(input: K.DecreaseStreamRetentionPeriodInput): Promise<Record<string, never>>;
  startStreamEncryption(input: K.StartStreamEncryptionInput): Promise<Record<string, never>>;
  stopStreamEncryption(input: K.StopStreamEncryptionInput): Promise<Record<string, never>>;
  addTagsToStream(input: K.AddTagsToStreamInput): Promise<Record<string, never>>;
  removeTagsFromStream(input: K.RemoveTagsFromStreamInput): Promise<Record<string, never>>;
  listTagsForStream(input: K.ListTagsForStreamInput): Promise<K.ListTagsForStreamOutput>;
  tagResource(input: K.TagResourceInput): Promise<Record<string, never>>;
  untagResource(input: K.UntagResourceInput): Promise<Record<string, never>>;
  listTagsForResource(input: K.ListTagsForResourceInput): Promise<K.ListTagsForResourceOutput>;
  describeLimits(input: K.DescribeLimitsInput): Promise<K.DescribeLimitsOutput>;
  enableEnhancedMonitoring(input: K.EnableEnhancedMonitoringInput): Promise<K.EnhancedMonitoringOutput>;
  disableEnhancedMonitoring(input: K.DisableEnhancedMonitoringInput): Promise<K.EnhancedMonitoringOutput>;
}

/** The API action names (X-Amz-Target `Kinesis_20131202.<Action>`) the engine serves. */
export type KinesisAction = Capitalize<keyof KinesisApi & string>;

/** An error AWS would answer: its code (`__type`), message and HTTP status (400 unless said). */
export class KinesisServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export interface KinesisEngineOptions {
  /** Where streams, their records and the engine's metadata live. */
  dataDir: string;
  region: string;
  /** Default '000000000000'. */
  accountId?: string;
  /** How long streams stay CREATING/UPDATING/DELETING and consumers CREATING/DELETING. Default 100 ms. */
  stateChangeMs?: number;
  /** AWS's per-shard write and read limits answer ProvisionedThroughputExceededException. Default off. */
  shardLimits?: boolean;
  /** 'os' (default): acknowledged records survive a SIGKILL; 'fsync': also a power cut. */
  durability?: 'os' | 'fsync';
  /** SubscribeToShard lifetime; default 300,000 ms (AWS). Tests shorten it. */
  subscriptionMs?: number;
  /** Injectable clock for tests; default Date.now. */
  now?: () => number;
  log?: (line: string) => void;
  /** Opens a stream's record store; default the storage module's `openStreamStore`. Tests may hand in another. */
  openStore?: (options: StreamStoreOptions) => Promise<StreamStore>;
}
