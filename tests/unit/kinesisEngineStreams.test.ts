import { afterEach, describe, expect, it } from 'vitest';
import { code, openTestEngine, type TestEngine } from './kinesisEngineHarness.ts';

let t: TestEngine;
afterEach(async () => t?.dispose());

const ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/s';
describe('Kinesis engine streams', () => {
  it('creates a provisioned stream with evenly split hash ranges as AWS lays them out', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 3 });
    const { Shards } = await t.engine.listShards({ StreamName: 's' });
    expect(Shards?.map((s) => [s.ShardId, s.HashKeyRange?.StartingHashKey, s.HashKeyRange?.EndingHashKey])).toEqual([
      ['shardId-000000000000', '0', '113427455640312821154458202477256070484'],
      ['shardId-000000000001', '113427455640312821154458202477256070485', '226854911280625642308916404954512140969'],
      ['shardId-000000000002', '226854911280625642308916404954512140970', '340282366920938463463374607431768211455'],
    ]);
    expect(Shards?.[0]?.SequenceNumberRange?.StartingSequenceNumber).toMatch(/^49\d{54}$/);
  });

  it('gives an on-demand stream 4 shards', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    const { StreamDescriptionSummary: summary } = await t.engine.describeStreamSummary({ StreamName: 's' });
    expect(summary?.OpenShardCount).toBe(4);
    expect(summary?.StreamModeDetails?.StreamMode).toBe('ON_DEMAND');
  });

  it('refuses a provisioned stream without ShardCount and a duplicate name', async () => {
    t = await openTestEngine();
    expect(await code(t.engine.createStream({ StreamName: 's' }))).toBe('InvalidArgumentException');
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    expect(await code(t.engine.createStream({ StreamName: 's', ShardCount: 1 }))).toBe('ResourceInUseException');
  });

  it('is CREATING until the state-change time passes, then ACTIVE', async () => {
    t = await openTestEngine({ stateChangeMs: 100 });
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    expect((await t.engine.describeStream({ StreamName: 's' })).StreamDescription?.StreamStatus).toBe('CREATING');
    expect(await code(t.engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: new Uint8Array(1) }))).toBe(
      'ResourceNotFoundException',
    );
    t.advance(100);
    expect((await t.engine.describeStream({ StreamName: 's' })).StreamDescription?.StreamStatus).toBe('ACTIVE');
  });

  it('accepts StreamARN wherever StreamName is accepted and refuses the two disagreeing', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    const byArn = await t.engine.describeStreamSummary({ StreamARN: ARN });
    expect(byArn.StreamDescriptionSummary?.StreamARN).toBe(ARN);
    await t.engine.createStream({ StreamName: 'other', ShardCount: 1 });
    expect(await code(t.engine.describeStreamSummary({ StreamName: 'other', StreamARN: ARN }))).toBe(
      'InvalidArgumentException',
    );
    expect(await code(t.engine.describeStream({ StreamName: 'missing' }))).toBe('ResourceNotFoundException');
  });

  it('deletes a stream: DELETING, then gone', async () => {
    t = await openTestEngine({ stateChangeMs: 50 });
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    t.advance(50);
    await t.engine.deleteStream({ StreamName: 's' });
    expect((await t.engine.describeStream({ StreamName: 's' })).StreamDescription?.StreamStatus).toBe('DELETING');
    t.advance(50);
    expect(await code(t.engine.describeStream({ StreamName: 's' }))).toBe('ResourceNotFoundException');
    expect((await t.engine.listStreams({})).StreamNames).toEqual([]);
  });

  it('refuses to delete a stream with consumers unless EnforceConsumerDeletion', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    await t.engine.registerStreamConsumer({ StreamARN: ARN, ConsumerName: 'c' });
    expect(await code(t.engine.deleteStream({ StreamName: 's' }))).toBe('ResourceInUseException');
    await t.engine.deleteStream({ StreamName: 's', EnforceConsumerDeletion: true });
    expect(await code(t.engine.describeStream({ StreamName: 's' }))).toBe('ResourceNotFoundException');
  });

  it('lists streams by page with summaries, ExclusiveStartStreamName and NextToken', async () => {
    t = await openTestEngine();
    for (const name of ['c', 'a', 'b']) await t.engine.createStream({ StreamName: name, ShardCount: 1 });
    const first = await t.engine.listStreams({ Limit: 2 });
    expect(first.StreamNames).toEqual(['a', 'b']);
    expect(first.HasMoreStreams).toBe(true);
    expect(first.StreamSummaries?.[0]?.StreamStatus).toBe('ACTIVE');
    const second = await t.engine.listStreams({ NextToken: first.NextToken });
    expect(second.StreamNames).toEqual(['c']);
    expect(second.HasMoreStreams).toBe(false);
    expect((await t.engine.listStreams({ ExclusiveStartStreamName: 'a' })).StreamNames).toEqual(['b', 'c']);
  });

  it('pages DescribeStream shards with Limit, ExclusiveStartShardId and HasMoreShards', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 3 });
    const page = await t.engine.describeStream({ StreamName: 's', Limit: 2 });
    expect(page.StreamDescription?.Shards?.map((s) => s.ShardId)).toEqual([
      'shardId-000000000000',
      'shardId-000000000001',
    ]);
    expect(page.StreamDescription?.HasMoreShards).toBe(true);
    const rest = await t.engine.describeStream({ StreamName: 's', ExclusiveStartShardId: 'shardId-000000000001' });
    expect(rest.StreamDescription?.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000002']);
    expect(rest.StreamDescription?.HasMoreShards).toBe(false);
  });

  it('pages ListShards with a NextToken that expires and refuses NextToken with StreamName', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 3 });
    const first = await t.engine.listShards({ StreamName: 's', MaxResults: 2 });
    expect(first.NextToken).toBeDefined();
    expect(await code(t.engine.listShards({ StreamName: 's', NextToken: first.NextToken }))).toBe(
      'InvalidArgumentException',
    );
    const second = await t.engine.listShards({ NextToken: first.NextToken });
    expect(second.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000002']);
    expect(second.NextToken).toBeUndefined();
    t.advance(300_001);
    expect(await code(t.engine.listShards({ NextToken: first.NextToken }))).toBe('ExpiredNextTokenException');
  });

  it('filters ListShards by AT_LATEST, AFTER_SHARD_ID and AT_TRIM_HORIZON', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 2 });
    t.advance(1000);
    await t.engine.mergeShards({
      StreamName: 's',
      ShardToMerge: 'shardId-000000000000',
      AdjacentShardToMerge: 'shardId-000000000001',
    });
    const latest = await t.engine.listShards({ StreamName: 's', ShardFilter: { Type: 'AT_LATEST' } });
    expect(latest.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000002']);
    const after = await t.engine.listShards({
      StreamName: 's',
      ShardFilter: { Type: 'AFTER_SHARD_ID', ShardId: 'shardId-000000000000' },
    });
    expect(after.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000001', 'shardId-000000000002']);
    const horizon = await t.engine.listShards({ StreamName: 's', ShardFilter: { Type: 'AT_TRIM_HORIZON' } });
    expect(horizon.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
  });

  it('increases and decreases retention only in the direction named', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    expect(await code(t.engine.decreaseStreamRetentionPeriod({ StreamName: 's', RetentionPeriodHours: 48 }))).toBe(
      'InvalidArgumentException',
    );
    await t.engine.increaseStreamRetentionPeriod({ StreamName: 's', RetentionPeriodHours: 48 });
    expect(await code(t.engine.increaseStreamRetentionPeriod({ StreamName: 's', RetentionPeriodHours: 24 }))).toBe(
      'InvalidArgumentException',
    );
    await t.engine.decreaseStreamRetentionPeriod({ StreamName: 's', RetentionPeriodHours: 24 });
    expect((await t.engine.describeStream({ StreamName: 's' })).StreamDescription?.RetentionPeriodHours).toBe(24);
  });

  it('starts and stops encryption, marking the stream UPDATING meanwhile', async () => {
    t = await openTestEngine({ stateChangeMs: 10 });
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    t.advance(10);
    await t.engine.startStreamEncryption({ StreamName: 's', EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    const during = (await t.engine.describeStream({ StreamName: 's' })).StreamDescription;
    expect([during?.StreamStatus, during?.EncryptionType, during?.KeyId]).toEqual([
      'UPDATING',
      'KMS',
      'alias/aws/kinesis',
    ]);
    t.advance(10);
    const put = await t.engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: new Uint8Array(1) });
    expect(put.EncryptionType).toBe('KMS');
    await t.engine.stopStreamEncryption({ StreamName: 's', EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    t.advance(10);
    expect((await t.engine.describeStream({ StreamName: 's' })).StreamDescription?.EncryptionType).toBe('NONE');
  });

  it('switches stream mode and max record size', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    await t.engine.updateStreamMode({ StreamARN: ARN, StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    await t.engine.updateMaxRecordSize({ StreamARN: ARN, MaxRecordSizeInKiB: 2048 });
    const summary = (await t.engine.describeStreamSummary({ StreamARN: ARN })).StreamDescriptionSummary;
    expect([summary?.StreamModeDetails?.StreamMode, summary?.MaxRecordSizeInKiB]).toEqual(['ON_DEMAND', 2048]);
  });

  it('keeps enhanced monitoring metrics', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    const enabled = await t.engine.enableEnhancedMonitoring({ StreamName: 's', ShardLevelMetrics: ['IncomingBytes'] });
    expect([enabled.CurrentShardLevelMetrics, enabled.DesiredShardLevelMetrics]).toEqual([[], ['IncomingBytes']]);
    const disabled = await t.engine.disableEnhancedMonitoring({
      StreamName: 's',
      ShardLevelMetrics: ['IncomingBytes'],
    });
    expect(disabled.DesiredShardLevelMetrics).toEqual([]);
  });

  it('tags streams by name and by ARN, pages them, and caps them at 50', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 1, Tags: { a: '1' } });
    await t.engine.addTagsToStream({ StreamName: 's', Tags: { b: '2', c: '3' } });
    const page = await t.engine.listTagsForStream({ StreamName: 's', Limit: 2 });
    expect([page.Tags, page.HasMoreTags]).toEqual([
      [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ],
      true,
    ]);
    const rest = await t.engine.listTagsForStream({ StreamName: 's', ExclusiveStartTagKey: 'b' });
    expect(rest.Tags).toEqual([{ Key: 'c', Value: '3' }]);
    await t.engine.removeTagsFromStream({ StreamName: 's', TagKeys: ['a'] });
    await t.engine.tagResource({ ResourceARN: ARN, Tags: { d: '4' } });
    await t.engine.untagResource({ ResourceARN: ARN, TagKeys: ['b'] });
    expect((await t.engine.listTagsForResource({ ResourceARN: ARN })).Tags?.map((tag) => tag.Key)).toEqual(['c', 'd']);
    const many = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
    expect(await code(t.engine.addTagsToStream({ StreamName: 's', Tags: many }))).toBe('InvalidArgumentException');
  });

  it('describes the account limits with the open shard count', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 3 });
    const limits = await t.engine.describeLimits({});
    expect([limits.ShardLimit, limits.OpenShardCount, limits.OnDemandStreamCount]).toEqual([500, 3, 0]);
  });
});
