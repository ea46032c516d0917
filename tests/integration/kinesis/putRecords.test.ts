// Writing records, checked against the AWS Kinesis API reference:
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateMaxRecordSize.html
// https://docs.aws.amazon.com/streams/latest/dev/large-records.html
import {
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  UpdateMaxRecordSizeCommand,
  ValidationException,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { useTestEngine } from '../../helpers/kinesisEngine.ts';
import {
  createActiveStream,
  decoded,
  partitionHash,
  readShard,
  shardOwning,
  text,
  uniqueName,
  waitForStream,
} from './streamFixtures.ts';

const MIB = 1024 * 1024;

const kinesis = useTestEngine();

describe('PutRecord', () => {
  it('answers the shard and a sequence number, and the record reads back as written', async () => {
    const name = uniqueName('put-one');
    await createActiveStream(kinesis.client, name, 1);
    const put = await kinesis.client.send(
      new PutRecordCommand({ StreamName: name, PartitionKey: 'pk', Data: text('hello') }),
    );
    expect(put.ShardId).toBe('shardId-000000000000');
    expect(put.SequenceNumber).toMatch(/^\d+$/);
    const [record, ...rest] = await readShard(kinesis.client, name, 'shardId-000000000000');
    expect(rest).toEqual([]);
    expect(record).toMatchObject({ SequenceNumber: put.SequenceNumber, PartitionKey: 'pk' });
    expect(record && decoded(record)).toBe('hello');
  });

  it('gives records of one shard strictly increasing sequence numbers, compared as BigInt', async () => {
    const name = uniqueName('sequence');
    await createActiveStream(kinesis.client, name, 2);
    const sequences: bigint[] = [];
    for (let i = 0; i < 20; i++) {
      const { SequenceNumber } = await kinesis.client.send(
        new PutRecordCommand({ StreamName: name, PartitionKey: 'same-key', Data: text(String(i)) }),
      );
      sequences.push(BigInt(SequenceNumber ?? '0'));
    }
    for (let i = 1; i < sequences.length; i++) expect(sequences[i]).toBeGreaterThan(sequences[i - 1] ?? 0n);
  });
});

describe('PutRecords', () => {
  it('answers one result per entry, in request order, each read back at its sequence number', async () => {
    const name = uniqueName('put-many');
    await createActiveStream(kinesis.client, name, 4);
    const entries = Array.from({ length: 30 }, (_, i) => ({ PartitionKey: `key-${i}`, Data: text(`record ${i}`) }));
    const { FailedRecordCount, Records = [] } = await kinesis.client.send(
      new PutRecordsCommand({ StreamName: name, Records: entries }),
    );
    expect(FailedRecordCount).toBe(0);
    expect(Records).toHaveLength(30);
    const shardIds = new Set(Records.map((result) => result.ShardId ?? ''));
    const readBack = new Map<string, string>();
    for (const id of shardIds) {
      for (const record of await readShard(kinesis.client, name, id)) {
        readBack.set(record.SequenceNumber ?? '', decoded(record));
      }
    }
    Records.forEach((result, i) => {
      expect(result.ErrorCode).toBeUndefined();
      expect(readBack.get(result.SequenceNumber ?? '')).toBe(`record ${i}`);
    });
  });

  it('routes each partition key to the shard whose HashKeyRange holds its MD5 hash', async () => {
    const name = uniqueName('md5');
    await createActiveStream(kinesis.client, name, 5);
    const { Shards = [] } = await kinesis.client.send(new ListShardsCommand({ StreamName: name }));
    const keys = Array.from({ length: 60 }, (_, i) => `user-${i}-${i * 7919}`);
    const { Records = [] } = await kinesis.client.send(
      new PutRecordsCommand({ StreamName: name, Records: keys.map((key) => ({ PartitionKey: key, Data: text(key) })) }),
    );
    const expected = keys.map((key) => shardOwning(Shards, partitionHash(key))?.ShardId);
    expect(Records.map((result) => result.ShardId)).toEqual(expected);
  });

  it('routes by ExplicitHashKey, not the partition key, when one is given', async () => {
    const name = uniqueName('explicit');
    await createActiveStream(kinesis.client, name, 4);
    const { Shards = [] } = await kinesis.client.send(new ListShardsCommand({ StreamName: name }));
    const entries = Shards.flatMap((shard) => [
      { PartitionKey: 'same', ExplicitHashKey: shard.HashKeyRange?.StartingHashKey, Data: text('start') },
      { PartitionKey: 'same', ExplicitHashKey: shard.HashKeyRange?.EndingHashKey, Data: text('end') },
    ]);
    const { Records = [] } = await kinesis.client.send(new PutRecordsCommand({ StreamName: name, Records: entries }));
    expect(Records.map((result) => result.ShardId)).toEqual(Shards.flatMap((shard) => [shard.ShardId, shard.ShardId]));
  });
});

describe('record size', () => {
  it('accepts a record of exactly 1 MiB (partition key + data) and refuses one byte more', async () => {
    const name = uniqueName('size');
    await createActiveStream(kinesis.client, name, 1);
    const fits = await kinesis.client.send(
      new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: new Uint8Array(MIB - 1) }),
    );
    expect(fits.SequenceNumber).toBeTruthy();
    const tooBig = kinesis.client.send(
      new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: new Uint8Array(MIB) }),
    );
    // The reference names no single code for this; AWS answers a 400 client error.
    await expect(tooBig).rejects.toMatchObject({
      name: expect.stringMatching(/^(ValidationException|InvalidArgumentException)$/),
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('accepts and returns a 5 MiB record once UpdateMaxRecordSize raised the limit', async () => {
    const name = uniqueName('large');
    const { StreamARN } = await createActiveStream(kinesis.client, name, 1);
    await kinesis.client.send(new UpdateMaxRecordSizeCommand({ StreamARN, MaxRecordSizeInKiB: 6144 }));
    await waitForStream(kinesis.client, name);
    const { StreamDescriptionSummary } = await kinesis.client.send(new DescribeStreamSummaryCommand({ StreamARN }));
    expect(StreamDescriptionSummary?.MaxRecordSizeInKiB).toBe(6144);
    const data = new Uint8Array(5 * MIB).map((_, i) => i % 251);
    await kinesis.client.send(new PutRecordCommand({ StreamARN, PartitionKey: 'big', Data: data }));
    const [record] = await readShard(kinesis.client, name, 'shardId-000000000000');
    expect(record?.Data?.length).toBe(data.length);
    expect(Buffer.from(record?.Data ?? []).equals(Buffer.from(data))).toBe(true);
  });

  it('answers ValidationException for MaxRecordSizeInKiB outside 1024..10240', async () => {
    const name = uniqueName('bad-size');
    const { StreamARN } = await createActiveStream(kinesis.client, name, 1);
    await expect(
      kinesis.client.send(new UpdateMaxRecordSizeCommand({ StreamARN, MaxRecordSizeInKiB: 100 })),
    ).rejects.toThrow(ValidationException);
  });
});
