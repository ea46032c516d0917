import { createHash, randomUUID } from 'node:crypto';
import {
  type _Record,
  type Consumer,
  CreateStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  RegisterStreamConsumerCommand,
  type Shard,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { pollUntil } from '../../../local/emulators.ts';

/** State changes take 20 ms in the test engine; the deadline is for a busy 2-core machine. */
const STATE_DEADLINE_MS = 15_000;

/** A stream name no other test uses (files run in parallel against their own engines, but still). */
export function uniqueName(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/** The summary once the stream reaches `status` (polled; throws at the deadline). */
export async function waitForStream(
  client: KinesisClient,
  streamName: string,
  status = 'ACTIVE',
): Promise<StreamDescriptionSummary> {
  return pollUntil(
    async () => {
      const { StreamDescriptionSummary: summary } = await client.send(
        new DescribeStreamSummaryCommand({ StreamName: streamName }),
      );
      return summary?.StreamStatus === status ? summary : undefined;
    },
    { what: `stream ${streamName} ${status}`, timeoutMs: STATE_DEADLINE_MS },
  );
}

/** Creates a PROVISIONED stream with `shardCount` shards and waits until it is ACTIVE. */
export async function createActiveStream(
  client: KinesisClient,
  streamName: string,
  shardCount: number,
): Promise<StreamDescriptionSummary> {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  return waitForStream(client, streamName);
}

/** Polls until `probe` resolves without throwing `errorName` (or any error when omitted). */
export async function waitUntilGone(probe: () => Promise<unknown>, what: string, errorName: string): Promise<void> {
  await pollUntil(
    async () => {
      try {
        await probe();
        return undefined;
      } catch (error) {
        if ((error as Error).name === errorName) return true;
        throw error;
      }
    },
    { what, timeoutMs: STATE_DEADLINE_MS },
  );
}

/** Registers a consumer and waits until it is ACTIVE. */
export async function registerActiveConsumer(
  client: KinesisClient,
  streamArn: string,
  consumerName: string,
): Promise<Consumer> {
  const { Consumer: registered } = await client.send(
    new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }),
  );
  const consumerArn = registered?.ConsumerARN;
  return pollUntil(
    async () => {
      const { ConsumerDescription: found } = await client.send(
        new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }),
      );
      return found?.ConsumerStatus === 'ACTIVE' ? { ...found } : undefined;
    },
    { what: `consumer ${consumerName} ACTIVE`, timeoutMs: STATE_DEADLINE_MS },
  );
}

/** Every shard of the stream (ListShards paged through). */
export async function listAllShards(client: KinesisClient, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let page = await client.send(new ListShardsCommand({ StreamName: streamName }));
  shards.push(...(page.Shards ?? []));
  while (page.NextToken) {
    page = await client.send(new ListShardsCommand({ NextToken: page.NextToken }));
    shards.push(...(page.Shards ?? []));
  }
  return shards;
}

/**
 * Every record of one shard from TRIM_HORIZON: to its end when it is closed (NextShardIterator
 * absent), or until a read returns nothing and MillisBehindLatest is 0 when it is open.
 */
export async function readShard(client: KinesisClient, streamName: string, shardId: string): Promise<_Record[]> {
  const records: _Record[] = [];
  let { ShardIterator: iterator } = await client.send(
    new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  while (iterator) {
    const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
    records.push(...(page.Records ?? []));
    if ((page.Records ?? []).length === 0 && page.MillisBehindLatest === 0) break;
    iterator = page.NextShardIterator;
  }
  return records;
}

/** The 128-bit hash key Kinesis routes a partition key by: MD5 of its UTF-8 bytes, as an unsigned integer. */
export function partitionHash(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

/** The shard among `shards` whose HashKeyRange holds `hash`. */
export function shardOwning(shards: readonly Shard[], hash: bigint): Shard | undefined {
  return shards.find(
    ({ HashKeyRange: range }) =>
      range?.StartingHashKey !== undefined &&
      range.EndingHashKey !== undefined &&
      BigInt(range.StartingHashKey) <= hash &&
      hash <= BigInt(range.EndingHashKey),
  );
}

export const text = (value: string): Uint8Array => new TextEncoder().encode(value);
export const decoded = (record: _Record): string => new TextDecoder().decode(record.Data);

/** The id AWS gives the shard with index `n`: `shardId-000000000003`. */
export const shardId = (n: number): string => `shardId-${String(n).padStart(12, '0')}`;
