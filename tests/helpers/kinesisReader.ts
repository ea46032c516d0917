import { createHash } from 'node:crypto';
import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { batchEvent, toShardRecord } from '../../local/eventSourceMapping/event.ts';

/** The 128-bit hash key Kinesis derives from a partition key: MD5 of its UTF-8 bytes, unsigned. */
export function hashKeyOf(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

/** The shard whose hash key range holds the partition key. */
export function shardForKey(partitionKey: string, shards: readonly Shard[]): string | undefined {
  const hash = hashKeyOf(partitionKey);
  return shards.find(
    (s) => BigInt(s.HashKeyRange?.StartingHashKey ?? -1) <= hash && hash <= BigInt(s.HashKeyRange?.EndingHashKey ?? -1),
  )?.ShardId;
}

export async function listShards(client: KinesisClient, streamName: string): Promise<Shard[]> {
  return (await client.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
}

/** Every record of every shard, from the start of the stream, tagged with its shard. */
export async function readAllRecords(
  client: KinesisClient,
  streamName: string,
): Promise<Array<_Record & { shardId: string }>> {
  const all: Array<_Record & { shardId: string }> = [];
  for (const shard of await listShards(client, streamName)) {
    const shardId = shard.ShardId as string;
    let { ShardIterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    // AWS may answer an empty page before the end of a shard: stop only at an empty page that is
    // 0 ms behind, or after a few empty pages in a row.
    let emptyPages = 0;
    while (ShardIterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
      const records = page.Records ?? [];
      for (const record of records) all.push({ ...record, shardId });
      emptyPages = records.length === 0 ? emptyPages + 1 : 0;
      if ((records.length === 0 && page.MillisBehindLatest === 0) || emptyPages >= 5) break;
      ShardIterator = page.NextShardIterator;
    }
  }
  return all;
}

/**
 * Puts `data` on a stream (one partition key) and returns the new records as the batch Lambda would
 * deliver them, read back with GetRecords: real sequence numbers and arrival times.
 *
 * @example
 * const event = await putAndReadBatch(kinesis, 'archive-it', [bytes], 'archive');
 */
export async function putAndReadBatch(
  client: KinesisClient,
  streamName: string,
  data: Uint8Array[],
  role: string,
): Promise<KinesisStreamEvent> {
  const before = new Set((await readAllRecords(client, streamName)).map((record) => record.SequenceNumber));
  await client.send(
    new PutRecordsCommand({ StreamName: streamName, Records: data.map((Data) => ({ Data, PartitionKey: 'user-1' })) }),
  );
  const fresh = (await readAllRecords(client, streamName)).filter((record) => !before.has(record.SequenceNumber));
  const source = {
    streamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/${streamName}`,
    region: 'us-east-1',
    roleArn: `arn:aws:iam::000000000000:role/${role}`,
  };
  return batchEvent(fresh.map((record) => toShardRecord(record, record.shardId, source)));
}
