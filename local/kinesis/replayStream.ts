import type { PutRecordsRequestEntry, Shard } from '@aws-sdk/client-kinesis';
import { pollUntil } from '../emulators/poll.ts';
import type { KinesisApi } from './engine/api.ts';
import type { SnapshotRecord, SnapshotShard, SnapshotStream } from './kinesisLocalSnapshot.ts';

/** Where each record of an old shard went: the new shard and each record's new sequence number. */
export interface ReplayedShard {
  oldShardId: string;
  /** The old shard's first sequence number: checkpoints at or after it belong to this shard. */
  oldStartingSequenceNumber: string;
  shardId: string;
  /** The new shard's StartingSequenceNumber: AFTER it reads from the shard's first record. */
  startingSequenceNumber: string;
  /** [old, new] sequence numbers, in order. */
  sequenceNumbers: Array<[string, string]>;
}

/** The engine methods a replay calls. */
export type ReplayApi = Pick<
  KinesisApi,
  | 'createStream'
  | 'describeStreamSummary'
  | 'listShards'
  | 'putRecords'
  | 'splitShard'
  | 'mergeShards'
  | 'addTagsToStream'
  | 'increaseStreamRetentionPeriod'
  | 'updateMaxRecordSize'
  | 'updateStreamMode'
  | 'startStreamEncryption'
  | 'enableEnhancedMonitoring'
  | 'registerStreamConsumer'
>;

/** A snapshot's stream whose shard lineage is neither a split nor a merge of its parents. */
export class ShardLayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

const RECORDS_PER_PUT = 500;
/** Under PutRecords' 10 MiB request limit, leaving room for keys and the JSON around them. */
const BYTES_PER_PUT = 4 * 1024 * 1024;
const ACTIVE_TIMEOUT_MS = 60_000;

/**
 * Re-creates one kinesis-local stream through the engine's public API: the stream with its root
 * shards, each shard's records in order (routed to that very shard by an explicit hash key), the
 * splits and merges that made the later shards (in creation order, so that a parent has all its
 * records before it closes), then its settings and consumers. The engine assigns new sequence
 * numbers and arrival times: the result maps old numbers to new ones.
 *
 * @example
 * const shards = await replayStream(engine, streams[0], 'arn:aws:kinesis:us-east-1:000000000000:stream/events');
 */
export async function replayStream(
  api: ReplayApi,
  stream: SnapshotStream,
  streamArn: string,
): Promise<ReplayedShard[]> {
  const StreamName = stream.name;
  const active = () => waitActive(api, StreamName);
  const roots = stream.shards.filter((shard) => shard.parentShardId === undefined);
  await api.createStream({ StreamName, ShardCount: roots.length });
  await active();
  if (stream.maxRecordSizeKiB !== undefined && stream.maxRecordSizeKiB !== 1024) {
    await api.updateMaxRecordSize({ StreamARN: streamArn, MaxRecordSizeInKiB: stream.maxRecordSizeKiB });
    await active();
  }
  const newIds = new Map<string, string>();
  const matchNew = async (old: readonly SnapshotShard[]) => {
    const listed = await listAllShards(api, StreamName);
    for (const shard of old) newIds.set(shard.shardId, matchingShard(stream, shard, listed, newIds));
  };
  await matchNew(roots);
  const replayed: ReplayedShard[] = [];
  for (const shard of stream.shards) {
    if (!newIds.has(shard.shardId)) await reshardInto(api, stream, shard, newIds, matchNew);
    const shardId = newIds.get(shard.shardId) as string;
    const listed = (await listAllShards(api, StreamName)).find((s) => s.ShardId === shardId);
    const newNumbers = await appendInOrder(
      api,
      StreamName,
      listed?.HashKeyRange?.StartingHashKey ?? '0',
      shard.records,
    );
    replayed.push({
      oldShardId: shard.shardId,
      oldStartingSequenceNumber: shard.startingSequenceNumber,
      shardId,
      startingSequenceNumber: listed?.SequenceNumberRange?.StartingSequenceNumber ?? '',
      sequenceNumbers: shard.records.map((record, i) => [record.sequenceNumber, newNumbers[i] as string]),
    });
  }
  await applySettings(api, stream, streamArn, active);
  return replayed;
}

/** Splits or merges the (already replayed) parents of `shard`, creating it and its sibling. */
async function reshardInto(
  api: ReplayApi,
  stream: SnapshotStream,
  shard: SnapshotShard,
  newIds: Map<string, string>,
  matchNew: (old: readonly SnapshotShard[]) => Promise<void>,
): Promise<void> {
  const parent = shard.parentShardId === undefined ? undefined : newIds.get(shard.parentShardId);
  if (parent === undefined) throw new ShardLayoutError(`${stream.name}: ${shard.shardId} has no known parent`);
  if (shard.adjacentParentShardId !== undefined) {
    const adjacent = newIds.get(shard.adjacentParentShardId);
    if (adjacent === undefined)
      throw new ShardLayoutError(`${stream.name}: ${shard.shardId}'s adjacent parent is unknown`);
    await api.mergeShards({ StreamName: stream.name, ShardToMerge: parent, AdjacentShardToMerge: adjacent });
    await waitActive(api, stream.name);
    return matchNew([shard]);
  }
  const siblings = stream.shards.filter((s) => s.parentShardId === shard.parentShardId && !s.adjacentParentShardId);
  const upper = siblings.find((s) => s !== shard && BigInt(s.startingHashKey) > BigInt(shard.startingHashKey));
  const split = upper ?? shard;
  if (siblings.length !== 2) {
    throw new ShardLayoutError(`${stream.name}: ${shard.parentShardId} has ${siblings.length} children, not a split`);
  }
  await api.splitShard({ StreamName: stream.name, ShardToSplit: parent, NewStartingHashKey: split.startingHashKey });
  await waitActive(api, stream.name);
  return matchNew(siblings);
}

/**
 * kinesis-local divides the hash key space with other rounding than AWS and the engine (its shard 0
 * of 2 ends at 2^127 - 2, AWS's at 2^127 - 1): boundaries may differ by a few keys per shard. A new
 * shard matches an old one when both ends are within this many keys; a partition key whose hash is
 * one of those few keys routes to the neighbour shard from now on, a chance of about 2^-120.
 */
const BOUNDARY_TOLERANCE = 1_000_000n;

/** The open new shard whose hash key range is the old one's, give or take the rounding above. */
function matchingShard(
  stream: SnapshotStream,
  old: SnapshotShard,
  listed: Shard[],
  taken: Map<string, string>,
): string {
  const used = new Set(taken.values());
  const distance = (a: string | undefined, b: string) => {
    const d = BigInt(a ?? '-1') - BigInt(b);
    return d < 0n ? -d : d;
  };
  const match = listed.find(
    (s) =>
      !used.has(s.ShardId as string) &&
      s.SequenceNumberRange?.EndingSequenceNumber === undefined &&
      distance(s.HashKeyRange?.StartingHashKey, old.startingHashKey) <= BOUNDARY_TOLERANCE &&
      distance(s.HashKeyRange?.EndingHashKey, old.endingHashKey) <= BOUNDARY_TOLERANCE,
  );
  if (!match?.ShardId) {
    throw new ShardLayoutError(
      `${stream.name}: no new shard has ${old.shardId}'s hash key range ${old.startingHashKey}-${old.endingHashKey}`,
    );
  }
  return match.ShardId;
}

/** PutRecords in batches, in order, each record routed to the shard that starts at `hashKey`. */
async function appendInOrder(
  api: ReplayApi,
  StreamName: string,
  hashKey: string,
  records: readonly SnapshotRecord[],
): Promise<string[]> {
  const numbers: string[] = [];
  let batch: PutRecordsRequestEntry[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const put = await api.putRecords({ StreamName, Records: batch });
    // Each entry goes to one open shard with no write limit: a failure here is a bug, and a retry
    // of some entries would reorder the shard.
    if (put.FailedRecordCount) {
      const failed = put.Records?.find((r) => r.ErrorCode);
      throw new Error(`${StreamName}: the engine refused a record: ${failed?.ErrorCode} ${failed?.ErrorMessage}`);
    }
    numbers.push(...(put.Records ?? []).map((r) => r.SequenceNumber as string));
    [batch, bytes] = [[], 0];
  };
  for (const record of records) {
    const size = record.data.length + Buffer.byteLength(record.partitionKey);
    if (batch.length === RECORDS_PER_PUT || (batch.length > 0 && bytes + size > BYTES_PER_PUT)) await flush();
    batch.push({ PartitionKey: record.partitionKey, ExplicitHashKey: hashKey, Data: record.data });
    bytes += size;
  }
  await flush();
  return numbers;
}

async function applySettings(api: ReplayApi, stream: SnapshotStream, StreamARN: string, active: () => Promise<void>) {
  const StreamName = stream.name;
  if (Object.keys(stream.tags).length > 0) await api.addTagsToStream({ StreamName, Tags: stream.tags });
  if (stream.retentionHours > 24) {
    await api.increaseStreamRetentionPeriod({ StreamName, RetentionPeriodHours: stream.retentionHours });
    await active();
  }
  if (stream.encryption) {
    await api.startStreamEncryption({ StreamName, EncryptionType: 'KMS', KeyId: stream.encryption.keyId });
    await active();
  }
  if (stream.shardLevelMetrics.length > 0) {
    await api.enableEnhancedMonitoring({ StreamName, ShardLevelMetrics: stream.shardLevelMetrics as never });
  }
  if (stream.mode === 'ON_DEMAND') {
    await api.updateStreamMode({ StreamARN, StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    await active();
  }
  for (const consumer of stream.consumers) {
    const tags = Object.keys(consumer.tags).length > 0 ? { Tags: consumer.tags } : {};
    await api.registerStreamConsumer({ StreamARN, ConsumerName: consumer.name, ...tags });
  }
}

async function waitActive(api: ReplayApi, StreamName: string): Promise<void> {
  await pollUntil(
    async () => {
      const { StreamDescriptionSummary } = await api.describeStreamSummary({ StreamName });
      return StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? true : undefined;
    },
    { what: `stream ${StreamName} ACTIVE`, timeoutMs: ACTIVE_TIMEOUT_MS, intervalMs: 20 },
  );
}

async function listAllShards(api: ReplayApi, StreamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let page = await api.listShards({ StreamName });
  shards.push(...(page.Shards ?? []));
  while (page.NextToken) {
    page = await api.listShards({ NextToken: page.NextToken });
    shards.push(...(page.Shards ?? []));
  }
  return shards;
}
