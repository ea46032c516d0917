// Per-shard throughput limits (engine option `shardLimits: true`), checked against AWS's quotas:
// https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html (per-entry ErrorCode)
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html (5 reads/s per shard)
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  ProvisionedThroughputExceededException,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from 'vitest';
import { testClock, useTestEngine } from '../../helpers/kinesisEngine.ts';
import { createActiveStream, uniqueName } from './streamFixtures.ts';

const KIB = 1024;

const clock = testClock();
const kinesis = useTestEngine({ now: clock.now, shardLimits: true });
afterEach(() => clock.release());

/** `count` entries of `size` bytes, all on partition key `hot`. */
const hotEntries = (count: number, size: number) =>
  Array.from({ length: count }, () => ({ PartitionKey: 'hot', Data: new Uint8Array(size) }));

describe('write limits', () => {
  it('fails the entries past 1 MiB/s on one shard with ProvisionedThroughputExceededException, keeping the rest', async () => {
    const name = uniqueName('hot-bytes');
    await createActiveStream(kinesis.client, name, 1);
    clock.pin();
    const { FailedRecordCount = 0, Records = [] } = await kinesis.client.send(
      new PutRecordsCommand({ StreamName: name, Records: hotEntries(400, 4 * KIB) }),
    );
    const failed = Records.filter((result) => result.ErrorCode);
    expect(Records).toHaveLength(400);
    expect(FailedRecordCount).toBe(failed.length);
    expect(FailedRecordCount).toBeGreaterThan(0);
    for (const result of failed) {
      expect(result.ErrorCode).toBe('ProvisionedThroughputExceededException');
      expect(result.ErrorMessage).toBeTruthy();
      expect(result.SequenceNumber).toBeUndefined();
    }
    // What was accepted fits in the shard's 1 MiB for this second (data + partition key).
    expect((400 - FailedRecordCount) * (4 * KIB + 3)).toBeLessThanOrEqual(1024 * KIB);
  });

  it('fails the entries past 1,000 records/s on one shard', async () => {
    const name = uniqueName('hot-count');
    await createActiveStream(kinesis.client, name, 1);
    clock.pin();
    let accepted = 0;
    let failed = 0;
    for (let i = 0; i < 3; i++) {
      const { FailedRecordCount = 0, Records = [] } = await kinesis.client.send(
        new PutRecordsCommand({ StreamName: name, Records: hotEntries(500, 10) }),
      );
      failed += FailedRecordCount;
      accepted += Records.length - FailedRecordCount;
    }
    expect(accepted).toBeLessThanOrEqual(1000);
    expect(failed).toBeGreaterThan(0);
  });

  it('throws ProvisionedThroughputExceededException from PutRecord on a hot shard while another shard accepts', async () => {
    const name = uniqueName('hot-shard');
    await createActiveStream(kinesis.client, name, 2);
    const { Shards = [] } = await kinesis.client.send(new ListShardsCommand({ StreamName: name }));
    clock.pin();
    await kinesis.client.send(new PutRecordsCommand({ StreamName: name, Records: hotEntries(300, 4 * KIB) }));
    await expect(
      kinesis.client.send(
        new PutRecordCommand({ StreamName: name, PartitionKey: 'hot', Data: new Uint8Array(4 * KIB) }),
      ),
    ).rejects.toThrow(ProvisionedThroughputExceededException);
    const coolWrites = await Promise.all(
      Shards.map((shard) =>
        kinesis.client
          .send(
            new PutRecordCommand({
              StreamName: name,
              PartitionKey: 'any',
              ExplicitHashKey: shard.HashKeyRange?.StartingHashKey,
              // As large as the refused PutRecord: a hot shard may still have room for a tiny one.
              Data: new Uint8Array(4 * KIB),
            }),
          )
          .then(
            () => 'accepted',
            (error: Error) => error.name,
          ),
      ),
    );
    // Exactly one shard is hot; the other still takes writes in the same second.
    expect(coolWrites.sort()).toEqual(['ProvisionedThroughputExceededException', 'accepted']);
  });

  it('accepts writes again in the next second', async () => {
    const name = uniqueName('next-second');
    await createActiveStream(kinesis.client, name, 1);
    clock.pin();
    await kinesis.client.send(new PutRecordsCommand({ StreamName: name, Records: hotEntries(300, 4 * KIB) }));
    clock.advance(1_000);
    const put = await kinesis.client.send(
      new PutRecordCommand({ StreamName: name, PartitionKey: 'hot', Data: new Uint8Array(4 * KIB) }),
    );
    expect(put.SequenceNumber).toBeTruthy();
  });
});

describe('read limits', () => {
  it('throws ProvisionedThroughputExceededException past 5 GetRecords per second on a shard', async () => {
    const name = uniqueName('hot-reads');
    await createActiveStream(kinesis.client, name, 1);
    const { ShardIterator } = await kinesis.client.send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'LATEST' }),
    );
    clock.pin();
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) {
      outcomes.push(
        await kinesis.client.send(new GetRecordsCommand({ ShardIterator })).then(
          () => 'ok',
          (error: Error) => error.name,
        ),
      );
    }
    expect(outcomes.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(outcomes.slice(5)).toContain('ProvisionedThroughputExceededException');
  });

  it('returns at most 2 MiB from a shard in a second, then throws ProvisionedThroughputExceededException', async () => {
    const name = uniqueName('hot-bytes');
    await createActiveStream(kinesis.client, name, 1);
    clock.pin();
    // Three records of 900 KiB, each written in a second of its own (1 MiB/s of writes per shard).
    for (let i = 0; i < 3; i++) {
      await kinesis.client.send(
        new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: new Uint8Array(900 * KIB).fill(i) }),
      );
      clock.advance(1_000);
    }
    const { ShardIterator } = await kinesis.client.send(
      new GetShardIteratorCommand({
        StreamName: name,
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const first = await kinesis.client.send(new GetRecordsCommand({ ShardIterator }));
    const firstBytes = (first.Records ?? []).reduce((sum, record) => sum + (record.Data?.byteLength ?? 0), 0);
    expect(first.Records?.length).toBe(2);
    expect(firstBytes).toBeLessThanOrEqual(2 * 1024 * KIB);
    const outcomes: string[] = [];
    let iterator = first.NextShardIterator;
    for (let i = 0; i < 3; i++) {
      outcomes.push(
        await kinesis.client.send(new GetRecordsCommand({ ShardIterator: iterator })).then(
          (page) => {
            iterator = page.NextShardIterator;
            return `${page.Records?.length ?? 0} records`;
          },
          (error: Error) => error.name,
        ),
      );
    }
    expect(outcomes).toContain('ProvisionedThroughputExceededException');
  });
});
