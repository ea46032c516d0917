import { afterEach, describe, expect, it } from 'vitest';
import { bytes, code, openTestEngine, type TestEngine, text } from './kinesisEngineHarness.ts';

let t: TestEngine;
afterEach(async () => t?.dispose());

describe('Kinesis engine shard limits and persistence', () => {
  it('fails PutRecords entries past 1,000 records per shard per second, per entry', async () => {
    t = await openTestEngine({ shardLimits: true });
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    const batch = () => Array.from({ length: 400 }, (_, i) => ({ PartitionKey: `k${i}`, Data: bytes('x') }));
    await t.engine.putRecords({ StreamName: 's', Records: batch() });
    await t.engine.putRecords({ StreamName: 's', Records: batch() });
    const third = await t.engine.putRecords({ StreamName: 's', Records: batch() });
    expect(third.FailedRecordCount).toBe(200);
    expect(third.Records?.[399]?.ErrorCode).toBe('ProvisionedThroughputExceededException');
    expect(await code(t.engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('x') }))).toBe(
      'ProvisionedThroughputExceededException',
    );
    t.advance(1000);
    expect(await code(t.engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('x') }))).toBe('resolved');
  });

  it('refuses the sixth GetRecords call on a shard within a second', async () => {
    t = await openTestEngine({ shardLimits: true });
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    const { ShardIterator } = await t.engine.getShardIterator({
      StreamName: 's',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'LATEST',
    });
    for (let i = 0; i < 5; i++) await t.engine.getRecords({ ShardIterator });
    expect(await code(t.engine.getRecords({ ShardIterator }))).toBe('ProvisionedThroughputExceededException');
  });

  it('does not limit when shardLimits is off', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    const records = Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `k${i}`, Data: bytes('x') }));
    for (let i = 0; i < 3; i++)
      expect((await t.engine.putRecords({ StreamName: 's', Records: records })).FailedRecordCount).toBe(0);
  });

  it.each(['os', 'fsync'] as const)(
    'restores streams, shards, consumers, tags and records after close and reopen (durability %s)',
    async (durability) => {
      t = await openTestEngine({ durability });
      await t.engine.createStream({ StreamName: 's', ShardCount: 2, Tags: { team: 'data' } });
      const put = await t.engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('kept') });
      await t.engine.splitShard({ StreamName: 's', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '1000' });
      await t.engine.registerStreamConsumer({
        StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
        ConsumerName: 'c',
      });
      const before = await t.engine.listShards({ StreamName: 's' });
      const engine = await t.reopen();
      expect(await engine.listShards({ StreamName: 's' })).toEqual(before);
      expect((await engine.listTagsForStream({ StreamName: 's' })).Tags).toEqual([{ Key: 'team', Value: 'data' }]);
      expect(
        (await engine.listStreamConsumers({ StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s' })).Consumers
          ?.length,
      ).toBe(1);
      const it = await engine.getShardIterator({
        StreamName: 's',
        ShardId: put.ShardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: put.SequenceNumber,
      });
      expect((await engine.getRecords({ ShardIterator: it.ShardIterator })).Records?.map((r) => text(r.Data))).toEqual([
        'kept',
      ]);
      const next = await engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('after') });
      expect(BigInt(next.SequenceNumber ?? 0) > BigInt(put.SequenceNumber ?? 0)).toBe(true);
    },
  );

  it('brings a stream left CREATING or UPDATING back ACTIVE on reopen', async () => {
    t = await openTestEngine({ stateChangeMs: 60_000 });
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    const engine = await t.reopen();
    expect((await engine.describeStreamSummary({ StreamName: 's' })).StreamDescriptionSummary?.StreamStatus).toBe(
      'ACTIVE',
    );
  });
});
