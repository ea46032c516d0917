import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { toOutgoingRecord } from '../shared/events/outgoingRecord.ts';
import { validEvent } from '../shared/events/validateEvent.ts';
import { benchEvents } from './benchEvents.ts';

/**
 * The client script every Kinesis benchmark shares, whatever serves the endpoint: SDK v3 over
 * HTTP/1.1 (NodeHttpHandler; kinesis-local's plain port speaks nothing else, and the same handler
 * on both sides keeps the comparison fair), dummy credentials.
 *
 * @example
 * const client = benchKinesisClient('http://127.0.0.1:4568');
 */
export function benchKinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true, maxSockets: 16 } }),
  });
}

/** Creates a stream and waits for it to be ACTIVE. */
export async function createActiveStream(client: KinesisClient, name: string, shards = 4): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    const { StreamDescriptionSummary: summary } = await client.send(
      new DescribeStreamSummaryCommand({ StreamName: name }),
    );
    if (summary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`stream ${name} not ACTIVE after 60 s`);
}

/**
 * A pool of records as the ingest writes them (~450 bytes of JSON each), reused in turn; each use
 * gets a fresh partition key so records spread over the shards. A pool rather than a million
 * distinct records keeps the client's own memory out of the measurement.
 */
export function recordPool(size = 2_000): Array<PutRecordsRequestEntry & { Data: Uint8Array }> {
  const context = { receivedAt: new Date().toISOString(), ingestRequestId: 'bench-fill' };
  return benchEvents(size, 'fill').map((event, i) => {
    const { data, partitionKey } = toOutgoingRecord(i, validEvent(event), context).outgoing;
    return { Data: data, PartitionKey: partitionKey };
  });
}

export interface FillOptions {
  records: number;
  /** Records per PutRecords call. Default 500 (the API's maximum). */
  batch?: number;
  /** Calls in flight. Default 4. */
  concurrency?: number;
  /** Also report the mean rate over the first `mark` records (to compare with a shorter fill). */
  mark?: number;
  /** Also return every record's sequence number by shard (memory: about 100 bytes a record). */
  keepSequenceNumbers?: boolean;
  /** Called after each tenth of `records` is acknowledged, e.g. to sample memory. */
  onTenth?: (tenth: number) => Promise<void> | void;
}

export interface FillResult {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  /** Rate within each tenth of the fill, first to last. */
  tenths: number[];
  /** Mean rate over the first `mark` records, when asked for. */
  markRecordsPerSecond?: number;
  /** Entries Kinesis reported failed and that were put again. */
  retriedEntries: number;
  meanRecordBytes: number;
  /** The highest sequence number put into each shard: where a consumer has read the whole fill. */
  lastSequenceNumbers: Map<string, string>;
  /** With `keepSequenceNumbers`: each shard's sequence numbers, ascending. */
  sequenceNumbers?: Map<string, bigint[]>;
}

/** Keeps each shard's highest sequence number; within one call a shard's records ascend, so its last wins. */
function noteLastSequences(
  last: Map<string, string>,
  records: ReadonlyArray<{ ShardId?: string; SequenceNumber?: string }>,
) {
  const ofCall = new Map<string, string>();
  for (const { ShardId: shard, SequenceNumber: sequence } of records)
    if (shard !== undefined && sequence !== undefined) ofCall.set(shard, sequence);
  for (const [shard, sequence] of ofCall) {
    const before = last.get(shard);
    if (before === undefined || BigInt(sequence) > BigInt(before)) last.set(shard, sequence);
  }
}

function keepSequences(
  kept: Map<string, string[]>,
  records: ReadonlyArray<{ ShardId?: string; SequenceNumber?: string }>,
) {
  for (const { ShardId: shard, SequenceNumber: sequence } of records) {
    if (shard === undefined || sequence === undefined) continue;
    const own = kept.get(shard) ?? [];
    if (own.length === 0) kept.set(shard, own);
    own.push(sequence);
  }
}

/** Calls in flight answer out of order: sorted once at the end. */
function ascending(kept: ReadonlyMap<string, string[]>): Map<string, bigint[]> {
  return new Map(
    [...kept].map(([shard, sequences]) => [shard, sequences.map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))]),
  );
}

/**
 * Fills a stream with `records` records in PutRecords calls of `batch`, `concurrency` in flight,
 * and times each tenth of the fill: a store that slows down as it grows shows up as falling tenths.
 *
 * @example
 * const fill = await fillStream(client, 'bench', { records: 1_000_000 });
 */
export async function fillStream(client: KinesisClient, stream: string, options: FillOptions): Promise<FillResult> {
  const { records, batch = 500, concurrency = 4, mark, onTenth, keepSequenceNumbers } = options;
  const pool = recordPool();
  const tenthSize = Math.max(1, Math.ceil(records / 10));
  const tenthEnds: number[] = [];
  let issued = 0;
  let acknowledged = 0;
  let retriedEntries = 0;
  let key = 0;
  let markedAt: number | undefined;
  const lastSequenceNumbers = new Map<string, string>();
  const kept = new Map<string, string[]>();
  const started = performance.now();
  const worker = async () => {
    while (issued < records) {
      const count = Math.min(batch, records - issued);
      issued += count;
      let pending: PutRecordsRequestEntry[] = Array.from({ length: count }, () => {
        const entry = pool[key % pool.length] as PutRecordsRequestEntry;
        return { Data: entry.Data, PartitionKey: `pk-${key++}` };
      });
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > 10) throw new Error(`PutRecords: ${pending.length} entries still failing after 10 attempts`);
        const output = await client.send(new PutRecordsCommand({ StreamName: stream, Records: pending }));
        noteLastSequences(lastSequenceNumbers, output.Records ?? []);
        if (keepSequenceNumbers) keepSequences(kept, output.Records ?? []);
        const failed = pending.filter((_, i) => output.Records?.[i]?.ErrorCode !== undefined);
        retriedEntries += failed.length;
        pending = failed;
      }
      acknowledged += count;
      if (mark !== undefined && markedAt === undefined && acknowledged >= mark) markedAt = performance.now();
      while (acknowledged >= (tenthEnds.length + 1) * tenthSize && tenthEnds.length < 10) {
        tenthEnds.push(performance.now());
        await onTenth?.(tenthEnds.length);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const tenths = tenthEnds.map((end, i) => Math.round(tenthSize / ((end - (tenthEnds[i - 1] ?? started)) / 1000)));
  const meanRecordBytes = Math.round(pool.reduce((sum, e) => sum + e.Data.byteLength, 0) / pool.length);
  return {
    records,
    seconds,
    recordsPerSecond: Math.round(records / seconds),
    tenths,
    ...(mark !== undefined && markedAt !== undefined
      ? { markRecordsPerSecond: Math.round(mark / ((markedAt - started) / 1000)) }
      : {}),
    retriedEntries,
    meanRecordBytes,
    lastSequenceNumbers,
    ...(keepSequenceNumbers ? { sequenceNumbers: ascending(kept) } : {}),
  };
}

export interface ReadBackResult {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  calls: number;
}

/**
 * Reads a whole stream back from TRIM_HORIZON with GetRecords of `limit` records, one call at a
 * time per shard and the shards in parallel (as one consumer per shard would), until each shard
 * answers no records and is no longer behind.
 *
 * @example
 * const read = await readBack(client, 'bench');
 */
export async function readBack(client: KinesisClient, stream: string, limit = 10_000): Promise<ReadBackResult> {
  const { Shards: shards = [] } = await client.send(new ListShardsCommand({ StreamName: stream }));
  let records = 0;
  let calls = 0;
  const started = performance.now();
  await Promise.all(
    shards.map(async ({ ShardId: shardId }) => {
      let { ShardIterator: iterator } = await client.send(
        new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      while (iterator) {
        const output = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
        calls++;
        records += output.Records?.length ?? 0;
        if ((output.Records?.length ?? 0) === 0 && output.MillisBehindLatest === 0) break;
        iterator = output.NextShardIterator;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { records, seconds, recordsPerSecond: Math.round(records / seconds), calls };
}
