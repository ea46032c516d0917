import type { _Record } from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { ShardRecord } from './types.ts';

/** Where the records come from and who reads them: the constant part of every event record. */
export interface EventSource {
  streamArn: string;
  region: string;
  roleArn: string;
}

/**
 * A GetRecords (or SubscribeToShard) record as the worker queues it: the raw record, where it came
 * from, and the size its Lambda event record will have. The event record itself is only built
 * when a batch is invoked (`lambdaRecord`), so records waiting in a lane hold their bytes once,
 * not also as base64.
 *
 * @example
 * const record = toShardRecord(page.Records[0], 'shardId-000000000000', source);
 * lambdaRecord(record).eventID; // 'shardId-000000000000:4968...'
 */
export function toShardRecord(record: _Record, shardId: string, source: EventSource): ShardRecord {
  const sequenceNumber = record.SequenceNumber ?? '';
  const partitionKey = record.PartitionKey ?? '';
  const data = record.Data ?? new Uint8Array();
  const arrivalMs = record.ApproximateArrivalTimestamp?.getTime() ?? 0;
  const fields = { shardId, sequenceNumber, partitionKey, arrivalMs, data, source };
  return { ...fields, eventBytes: lambdaRecordBytes(fields) };
}

/**
 * The record exactly as Lambda puts it in `event.Records`: base64 `data`,
 * `approximateArrivalTimestamp` in epoch seconds with a millisecond fraction, `eventID`
 * `<shardId>:<sequenceNumber>`, `eventSourceARN` the stream ARN.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html (example event)
 */
export function lambdaRecord(record: Omit<ShardRecord, 'eventBytes'>): KinesisStreamRecord {
  const { data, source } = record;
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.partitionKey,
      sequenceNumber: record.sequenceNumber,
      data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
      approximateArrivalTimestamp: record.arrivalMs / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${record.shardId}:${record.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: source.roleArn,
    awsRegion: source.region,
    eventSourceARN: source.streamArn,
  };
}

/** The invocation event of a batch (without tumbling-window fields). */
export function batchEvent(records: readonly ShardRecord[]): { Records: KinesisStreamRecord[] } {
  return { Records: records.map(lambdaRecord) };
}

/** Per source: the bytes of a Lambda event record whose variable fields are all empty. */
const envelopeBytes = new WeakMap<EventSource, number>();

/**
 * UTF-8 bytes of `JSON.stringify(lambdaRecord(record))`, counted without building it: the bytes
 * every record of the source shares, plus the variable fields as JSON writes them.
 */
function lambdaRecordBytes(record: Omit<ShardRecord, 'eventBytes'>): number {
  let shared = envelopeBytes.get(record.source);
  if (shared === undefined) {
    const empty = {
      ...record,
      shardId: '',
      sequenceNumber: '',
      partitionKey: '',
      arrivalMs: 0,
      data: new Uint8Array(),
    };
    // Less what the empty fields took: "" three times (partitionKey, sequenceNumber, data), the
    // timestamp's 0 and the eventID's ":".
    shared = jsonBytes(lambdaRecord(empty)) - 3 * 2 - 1 - 3;
    envelopeBytes.set(record.source, shared);
  }
  const base64Length = 4 * Math.ceil(record.data.byteLength / 3);
  return (
    shared +
    jsonBytes(record.partitionKey) +
    jsonBytes(record.sequenceNumber) +
    (base64Length + 2) +
    JSON.stringify(record.arrivalMs / 1000).length +
    jsonBytes(`${record.shardId}:${record.sequenceNumber}`)
  );
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * Lambda's synchronous invocation payload limit: 6 MB, counted here as 6 MiB of the serialized
 * event (base64 data plus metadata), as Lambda counts the request body.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** `{"Records":[` + `]}`, plus room for the tumbling-window fields (window, shardId, flags, ARN). */
export const EVENT_ENVELOPE_BYTES = 1024;

/** Serialized size of an event holding these records: the records, their commas, the envelope. */
export function eventBytes(records: readonly ShardRecord[]): number {
  return records.reduce((total, record) => total + record.eventBytes + 1, EVENT_ENVELOPE_BYTES);
}

/** A record whose event alone is over the limit can never be invoked. */
export function isOversized(record: ShardRecord): boolean {
  return eventBytes([record]) > MAX_INVOKE_PAYLOAD_BYTES;
}
