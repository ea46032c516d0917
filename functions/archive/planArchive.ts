import type { KinesisStreamRecord } from 'aws-lambda';
import { kinesisMetadata } from '../../shared/consumers/kinesisMetadata.ts';
import { type EventPosition, streamEvents } from '../../shared/consumers/streamEvents.ts';
import type { StreamEventRecord } from '../../shared/events/eventSchema.ts';
import { type ArchivePrefix, archiveKey, sameStartPrefix } from './archiveKey.ts';

/** The Kinesis metadata kept on every archived line. */
export interface ArchivedKinesis {
  shardId: string;
  sequenceNumber: string;
  /** The event's index in a KPL-aggregated record; absent for a plain record. */
  subSequenceNumber?: number;
  /** The event's own partition key (a user record's, inside an aggregated record). */
  partitionKey: string;
  /** A user record's explicit hash key, when its producer set one. */
  explicitHashKey?: string;
  /** RFC 3339, UTC, millisecond precision. */
  approximateArrivalTimestamp: string;
}

/** A line under `events/`: the event as the consumers read it (derived fields filled in). */
export interface ArchivedEventLine {
  kinesis: ArchivedKinesis;
  event: StreamEventRecord;
}

/**
 * A line under `errors/`: why it was not valid, and its bytes as they were on the stream (base64):
 * the record's, or a user record's inside an aggregated record.
 */
export interface ArchivedErrorLine {
  kinesis: ArchivedKinesis;
  reason: string;
  data: string;
}

/** One object to write: its key, its NDJSON lines, and the records (by sequence number) it holds. */
export interface ArchiveObject {
  prefix: ArchivePrefix;
  key: string;
  /** Objects under this prefix other than `key` are earlier cuts of a batch starting at the same record. */
  sameStartPrefix: string;
  lines: string[];
  sequenceNumbers: string[];
}

/**
 * Splits a batch (records of one shard, in order) into at most two objects, valid events under
 * `events/` and invalid ones under `errors/` (a KPL-aggregated record gives a line per user record,
 * see `streamEvents`), both named after the whole batch (first record's shard,
 * arrival hour and sequence number, last record's sequence number). Deterministic: the same batch
 * gives the same keys and the same bytes, so a redelivery overwrites rather than duplicates.
 *
 * @example
 * planArchive(event.Records).map((object) => object.key);
 * // ['events/year=2026/month=11/day=25/hour=10/shardId-000000000000-4968…-4968….ndjson.gz']
 */
export function planArchive(records: readonly KinesisStreamRecord[]): ArchiveObject[] {
  const first = records[0];
  const last = records.at(-1);
  if (first === undefined || last === undefined) return [];
  const start = kinesisMetadata(first);
  const batch = {
    shardId: start.shardId,
    firstSequence: start.sequenceNumber,
    lastSequence: last.kinesis.sequenceNumber,
    firstArrivalMs: start.arrivalMs,
  };
  const objects = {
    events: objectFor('events', batch),
    errors: objectFor('errors', batch),
  } satisfies Record<ArchivePrefix, ArchiveObject>;
  for (const record of records) {
    for (const item of streamEvents(record)) {
      const kinesis = archivedKinesis(item.position);
      const [target, line]: [ArchiveObject, ArchivedEventLine | ArchivedErrorLine] = item.ok
        ? [objects.events, { kinesis, event: item.event }]
        : [objects.errors, { kinesis, reason: item.reason, data: item.data }];
      target.lines.push(JSON.stringify(line));
      if (target.sequenceNumbers.at(-1) !== kinesis.sequenceNumber) target.sequenceNumbers.push(kinesis.sequenceNumber);
    }
  }
  return [objects.events, objects.errors].filter((object) => object.lines.length > 0);
}

const objectFor = (prefix: ArchivePrefix, batch: Parameters<typeof archiveKey>[1]): ArchiveObject => ({
  prefix,
  key: archiveKey(prefix, batch),
  sameStartPrefix: sameStartPrefix(prefix, batch),
  lines: [],
  sequenceNumbers: [],
});

/** NDJSON: one JSON document per line, each line ended by a newline. */
export function ndjson(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function archivedKinesis(position: EventPosition): ArchivedKinesis {
  const { shardId, sequenceNumber, subSequenceNumber, partitionKey, explicitHashKey, arrivalMs } = position;
  return {
    shardId,
    sequenceNumber,
    ...(subSequenceNumber === undefined ? {} : { subSequenceNumber }),
    partitionKey,
    ...(explicitHashKey === undefined ? {} : { explicitHashKey }),
    approximateArrivalTimestamp: new Date(arrivalMs).toISOString(),
  };
}
