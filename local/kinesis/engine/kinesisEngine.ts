import type * as K from '@aws-sdk/client-kinesis';
import { openStreamStore } from '../storage/streamStore.ts';
import type { KinesisApi, KinesisEngineOptions } from './api.ts';
import * as consumers from './consumers.ts';
import { resolveContext } from './engineContext.ts';
import type { EngineState } from './engineState.ts';
import { internalFailure } from './errors.ts';
import { listShards } from './listShards.ts';
import { putRecord, putRecords } from './putRecords.ts';
import * as resharding from './resharding.ts';
import { startHousekeeping, trimExpired } from './retention.ts';
import { getRecords, getShardIterator } from './shardReads.ts';
import { createStream, deleteStream } from './streamLifecycle.ts';
import { describeStream, describeStreamSummary, listStreams } from './streamListing.ts';
import { StreamRegistry } from './streamRegistry.ts';
import * as settings from './streamSettings.ts';
import { Subscriptions } from './subscriptions.ts';
import * as tags from './tags.ts';

type Empty = Record<string, never>;

/**
 * The local Kinesis engine: every Kinesis action, in process, over durable per-stream record logs.
 * This class is wiring: each action lives in the module named after its concern.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_Operations.html
 * @example
 * const engine = await KinesisEngine.open({ dataDir: '.local/data/kinesis', region: 'us-east-1' });
 * await engine.createStream({ StreamName: 'events', ShardCount: 2 });
 * await engine.close();
 */
export class KinesisEngine implements KinesisApi {
  private readonly subscriptions = new Subscriptions();
  private closed = false;

  private constructor(
    private readonly state: EngineState,
    private readonly stopHousekeeping: () => Promise<void>,
  ) {}

  /** Opens (or reopens) the engine on `dataDir`; streams left CREATING or UPDATING come back ACTIVE. */
  static async open(options: KinesisEngineOptions): Promise<KinesisEngine> {
    const ctx = resolveContext(options, openStreamStore);
    const registry = new StreamRegistry(ctx);
    await registry.load();
    const state: EngineState = { ctx, registry };
    await trimExpired(state);
    return new KinesisEngine(state, startHousekeeping(state));
  }

  /** Runs retention trimming and deletion sweeps now (the timer does it every minute). */
  housekeep(): Promise<void> {
    return trimExpired(this.live());
  }

  /** Stops timers, ends subscriptions, flushes metadata and closes every store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopHousekeeping();
    await this.state.registry.close();
  }

  private live(): EngineState {
    if (this.closed) throw internalFailure('The Kinesis engine is closed.');
    return this.state;
  }

  createStream = (input: K.CreateStreamInput): Promise<Empty> => createStream(this.live(), input);
  deleteStream = (input: K.DeleteStreamInput): Promise<Empty> => deleteStream(this.live(), input);
  describeStream = (input: K.DescribeStreamInput) => describeStream(this.live(), input);
  describeStreamSummary = (input: K.DescribeStreamSummaryInput) => describeStreamSummary(this.live(), input);
  listStreams = (input: K.ListStreamsInput) => listStreams(this.live(), input);
  listShards = (input: K.ListShardsInput) => listShards(this.live(), input);
  putRecord = (input: K.PutRecordInput) => putRecord(this.live(), input);
  putRecords = (input: K.PutRecordsInput) => putRecords(this.live(), input);
  getShardIterator = (input: K.GetShardIteratorInput) => getShardIterator(this.live(), input);
  getRecords = (input: K.GetRecordsInput) => getRecords(this.live(), input);
  registerStreamConsumer = (input: K.RegisterStreamConsumerInput) =>
    consumers.registerStreamConsumer(this.live(), input);
  describeStreamConsumer = (input: K.DescribeStreamConsumerInput) =>
    consumers.describeStreamConsumer(this.live(), input);
  listStreamConsumers = (input: K.ListStreamConsumersInput) => consumers.listStreamConsumers(this.live(), input);
  deregisterStreamConsumer = (input: K.DeregisterStreamConsumerInput) =>
    consumers.deregisterStreamConsumer(this.live(), input);
  subscribeToShard = (input: K.SubscribeToShardInput, signal: AbortSignal) =>
    this.subscriptions.subscribe(this.live(), input, signal);
  splitShard = (input: K.SplitShardInput) => resharding.splitShard(this.live(), input);
  mergeShards = (input: K.MergeShardsInput) => resharding.mergeShards(this.live(), input);
  updateShardCount = (input: K.UpdateShardCountInput) => resharding.updateShardCount(this.live(), input);
  updateStreamMode = (input: K.UpdateStreamModeInput) => settings.updateStreamMode(this.live(), input);
  updateMaxRecordSize = (input: K.UpdateMaxRecordSizeInput) => settings.updateMaxRecordSize(this.live(), input);
  increaseStreamRetentionPeriod = (input: K.IncreaseStreamRetentionPeriodInput) =>
    settings.increaseStreamRetentionPeriod(this.live(), input);
  decreaseStreamRetentionPeriod = (input: K.DecreaseStreamRetentionPeriodInput) =>
    settings.decreaseStreamRetentionPeriod(this.live(), input);
  startStreamEncryption = (input: K.StartStreamEncryptionInput) => settings.startStreamEncryption(this.live(), input);
  stopStreamEncryption = (input: K.StopStreamEncryptionInput) => settings.stopStreamEncryption(this.live(), input);
  addTagsToStream = (input: K.AddTagsToStreamInput) => tags.addTagsToStream(this.live(), input);
  removeTagsFromStream = (input: K.RemoveTagsFromStreamInput) => tags.removeTagsFromStream(this.live(), input);
  listTagsForStream = (input: K.ListTagsForStreamInput) => tags.listTagsForStream(this.live(), input);
  tagResource = (input: K.TagResourceInput) => tags.tagResource(this.live(), input);
  untagResource = (input: K.UntagResourceInput) => tags.untagResource(this.live(), input);
  listTagsForResource = (input: K.ListTagsForResourceInput) => tags.listTagsForResource(this.live(), input);
  describeLimits = (_input: K.DescribeLimitsInput) => settings.describeLimits(this.live());
  enableEnhancedMonitoring = (input: K.EnableEnhancedMonitoringInput) =>
    settings.enableEnhancedMonitoring(this.live(), input);
  disableEnhancedMonitoring = (input: K.DisableEnhancedMonitoringInput) =>
    settings.disableEnhancedMonitoring(this.live(), input);
}
