import type { KinesisStreamRecord } from 'aws-lambda';
import { decodeRecord } from '../../shared/consumers/decodeRecord.ts';
import { kinesisMetadata } from '../../shared/consumers/kinesisMetadata.ts';
import type { PipelineRecord } from '../../shared/events/eventSchema.ts';
import { type ArchivePrefix, archiveKey, sameStartPrefix } from './archiveKey.ts';

/** The Kinesis metadata kept on every archived line. */
export interface ArchivedKinesis {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  /** RFC 3339, UTC, millisecond precision. */
  approximateArrivalTimestamp: string;
}

/** A line under `events/`: the record as ingest wrote it. */
export interface ArchivedEventLine {
  kinesis: ArchivedKinesis;
  event: PipelineRecord;
}

/** A line under `errors/`: the record's bytes as they were on the stream (base64), and why it was not valid. */
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
 * Splits a batch (records of one shard, in order) into at most two objects, valid records under
 * `events/` and invalid ones under `errors/`, both named after the whole batch (first record's shard,
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
    const { shardId, sequenceNumber, partitionKey, arrivalMs } = kinesisMetadata(record);
    const kinesis = { shardId, sequenceNumber, partitionKey, approximateArrivalTimestamp: isoTime(arrivalMs) };
    const decoded = decodeRecord(record);
    const [target, line]: [ArchiveObject, ArchivedEventLine | ArchivedErrorLine] = decoded.ok
      ? [objects.events, { kinesis, event: decoded.record }]
      : [objects.errors, { kinesis, reason: decoded.reason, data: record.kinesis.data }];
    target.lines.push(JSON.stringify(line));
    target.sequenceNumbers.push(sequenceNumber);
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

const isoTime = (epochMs: number) => new Date(epochMs).toISOString();
