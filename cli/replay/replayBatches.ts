import type { KinesisStreamRecord } from 'aws-lambda';
import type { ArchivedEventLine } from '../../functions/archive/planArchive.ts';
import {
  batchEvent,
  type EventSource,
  eventBytes,
  MAX_INVOKE_PAYLOAD_BYTES,
  toShardRecord,
} from '../../local/eventSourceMapping/event.ts';
import type { ShardRecord } from '../../local/eventSourceMapping/types.ts';
import { encodeAggregated } from '../../shared/kinesis/kplAggregation.ts';

/** One shard's replay: its events in sequence order, cut into invocations. */
export interface ShardReplay {
  shardId: string;
  events: Array<{ Records: KinesisStreamRecord[] }>;
  records: number;
}

/**
 * Rebuilds the Lambda Kinesis events of archived records: per shard, in sequence order, each
 * record as Lambda delivered it (data = base64 of the archived event's JSON, the original sequence
 * number, partition key and arrival time), cut at `batchSize` records or Lambda's 6 MB payload.
 * An event archived twice (it cannot be, but an object copied by hand could) is replayed once.
 *
 * The user records of a KPL-aggregated record (lines with a `subSequenceNumber`) go back into one
 * aggregated record under its sequence number, in sub-sequence order, each with its own partition
 * and explicit hash key. Only its valid events were archived under `events/`, so when one was not,
 * the later ones move up a place. That changes nothing the sinks keep: archived events carry their
 * `id` (derived ones included), which the alert state deduplicates by, and the aggregates apply
 * all of a Kinesis record's events to an item in one write, so their watermark either holds the
 * whole record or none of it.
 *
 * @example
 * const shards = replayBatches(lines, { streamArn, region, roleArn }, 500);
 * shards[0].events[0].Records[0].eventID; // 'shardId-000000000000:4965…'
 */
export function replayBatches(
  lines: readonly ArchivedEventLine[],
  source: EventSource,
  batchSize: number,
): ShardReplay[] {
  // Per shard, per sequence number, its events by sub-sequence number (-1: a plain record).
  const byShard = new Map<string, Map<string, Map<number, ArchivedEventLine>>>();
  for (const line of lines) {
    const { shardId, sequenceNumber, subSequenceNumber = -1 } = line.kinesis;
    const shard = byShard.get(shardId) ?? new Map<string, Map<number, ArchivedEventLine>>();
    const record = shard.get(sequenceNumber) ?? new Map<number, ArchivedEventLine>();
    record.set(subSequenceNumber, line);
    shard.set(sequenceNumber, record);
    byShard.set(shardId, shard);
  }
  return [...byShard.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([shardId, records]) => {
      const ordered = [...records.entries()]
        .sort(([a], [b]) => compareSequence(a, b))
        .map(([, events]) => toShardRecord(kinesisRecordOf([...events.entries()]), shardId, source));
      return { shardId, events: cut(ordered, batchSize), records: ordered.length };
    });
}

/** The Kinesis record that held these archived events: plain, or aggregated (sub-sequence order). */
function kinesisRecordOf(events: Array<[subSequenceNumber: number, line: ArchivedEventLine]>) {
  const lines = events.sort(([a], [b]) => a - b).map(([, line]) => line);
  const first = lines[0] as ArchivedEventLine;
  const json = (line: ArchivedEventLine) => Buffer.from(JSON.stringify(line.event), 'utf8');
  const aggregated = first.kinesis.subSequenceNumber !== undefined;
  return {
    SequenceNumber: first.kinesis.sequenceNumber,
    PartitionKey: first.kinesis.partitionKey,
    Data: aggregated
      ? encodeAggregated(
          lines.map((line) => ({
            partitionKey: line.kinesis.partitionKey,
            ...(line.kinesis.explicitHashKey === undefined ? {} : { explicitHashKey: line.kinesis.explicitHashKey }),
            data: json(line),
          })),
        )
      : json(first),
    ApproximateArrivalTimestamp: new Date(first.kinesis.approximateArrivalTimestamp),
  };
}

function cut(records: readonly ShardRecord[], batchSize: number): Array<{ Records: KinesisStreamRecord[] }> {
  const events: Array<{ Records: KinesisStreamRecord[] }> = [];
  let current: ShardRecord[] = [];
  let bytes = eventBytes([]);
  for (const record of records) {
    const grown = bytes + eventBytes([record]) - eventBytes([]);
    if (current.length > 0 && (current.length >= batchSize || grown > MAX_INVOKE_PAYLOAD_BYTES)) {
      events.push(batchEvent(current));
      current = [];
      bytes = eventBytes([]);
    }
    current.push(record);
    bytes += eventBytes([record]) - eventBytes([]);
  }
  if (current.length > 0) events.push(batchEvent(current));
  return events;
}

/** Sequence numbers are decimal strings of up to 129 digits: compared as BigInt. */
function compareSequence(a: string, b: string): number {
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}
