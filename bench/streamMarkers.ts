import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { toOutgoingRecord } from '../shared/events/outgoingRecord.ts';
import { validEvent } from '../shared/events/validateEvent.ts';

/**
 * Sequence numbers a consumer must have checkpointed, per shard, to be caught up: a shard whose
 * checkpoint is at or past its target has processed every record put into it before the target.
 */
export type ShardTargets = ReadonlyMap<string, string>;

/** The `type` of the marker records: no consumer rejects it, and the sinks' figures leave it out. */
export const MARKER_TYPE = 'bench_marker';

/** Every shard of the stream (ListShards, paged). */
export async function listShards(client: KinesisClient, stream: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let next: string | undefined;
  do {
    const page = await client.send(new ListShardsCommand(next ? { NextToken: next } : { StreamName: stream }));
    shards.push(...(page.Shards ?? []));
    next = page.NextToken;
  } while (next);
  return shards;
}

/**
 * Puts one marker record into every open shard of `stream` (PutRecord with `ExplicitHashKey` = the
 * shard's StartingHashKey) and returns each marker's sequence number by shard. Put after a phase's
 * writes were answered, a marker is behind every record of the phase in its shard, so a consumer
 * whose checkpoint reached every marker has processed the whole phase: what Lambda's IteratorAge
 * tells. The markers are valid pipeline records of type `bench_marker` (source `bench`), encoded as
 * the ingest encodes events, so every consumer processes them like any other record.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html
 *
 * @example
 * const targets = await putMarkers(client, 'kinesis-pipeline-local-events');
 */
export async function putMarkers(client: KinesisClient, stream: string): Promise<ShardTargets> {
  const open = (await listShards(client, stream)).filter(
    (s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined,
  );
  const run = Date.now().toString(36);
  const context = { receivedAt: new Date().toISOString(), ingestRequestId: `bench-marker-${run}` };
  const targets = new Map<string, string>();
  await Promise.all(
    open.map(async (shard, i) => {
      const event = validEvent({ type: MARKER_TYPE, source: 'bench', id: `bench-marker-${run}-${shard.ShardId}` });
      const { data, partitionKey } = toOutgoingRecord(i, event, context).outgoing;
      const put = await client.send(
        new PutRecordCommand({
          StreamName: stream,
          Data: data,
          PartitionKey: partitionKey,
          ExplicitHashKey: shard.HashKeyRange?.StartingHashKey,
        }),
      );
      if (put.ShardId !== shard.ShardId || put.SequenceNumber === undefined)
        throw new Error(`marker for ${shard.ShardId} landed in ${put.ShardId}`);
      targets.set(shard.ShardId as string, put.SequenceNumber);
    }),
  );
  return targets;
}

/**
 * The sequence numbers of every record now in the stream, ascending, by shard (GetRecords from
 * TRIM_HORIZON until the shard's tip). With checkpoints, they tell how many records a consumer had
 * processed at any moment.
 *
 * @example
 * const sequences = await sequenceNumbersByShard(client, 'kinesis-pipeline-local-events');
 */
export async function sequenceNumbersByShard(client: KinesisClient, stream: string): Promise<Map<string, bigint[]>> {
  const byShard = new Map<string, bigint[]>();
  for (const shard of await listShards(client, stream)) {
    const shardId = shard.ShardId as string;
    const sequences: bigint[] = [];
    let iterator = (
      await client.send(
        new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) sequences.push(BigInt(record.SequenceNumber as string));
      if ((page.Records ?? []).length === 0 && page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
    byShard.set(shardId, sequences);
  }
  return byShard;
}
