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
 * A record archived twice (it cannot be, but an object copied by hand could) is replayed once.
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
  const byShard = new Map<string, Map<string, ShardRecord>>();
  for (const { kinesis, event } of lines) {
    const record = toShardRecord(
      {
        SequenceNumber: kinesis.sequenceNumber,
        PartitionKey: kinesis.partitionKey,
        Data: Buffer.from(JSON.stringify(event), 'utf8'),
        ApproximateArrivalTimestamp: new Date(kinesis.approximateArrivalTimestamp),
      },
      kinesis.shardId,
      source,
    );
    const shard = byShard.get(kinesis.shardId) ?? new Map<string, ShardRecord>();
    shard.set(kinesis.sequenceNumber, record);
    byShard.set(kinesis.shardId, shard);
  }
  return [...byShard.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([shardId, records]) => {
      const ordered = [...records.values()].sort((a, b) => compareSequence(a.sequenceNumber, b.sequenceNumber));
      return { shardId, events: cut(ordered, batchSize), records: ordered.length };
    });
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
