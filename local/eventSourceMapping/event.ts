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
 * Turns a GetRecords record into the record Lambda puts in `event.Records`: base64 `data`,
 * `approximateArrivalTimestamp` in epoch seconds with a millisecond fraction, `eventID`
 * `<shardId>:<sequenceNumber>`, `eventSourceARN` the stream ARN.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html (example event)
 *
 * @example
 * const record = toShardRecord(page.Records[0], 'shardId-000000000000', source);
 * record.event.eventID; // 'shardId-000000000000:4968...'
 */
export function toShardRecord(record: _Record, shardId: string, source: EventSource): ShardRecord {
  const sequenceNumber = record.SequenceNumber ?? '';
  const partitionKey = record.PartitionKey ?? '';
  const data = record.Data ?? new Uint8Array();
  const arrivalMs = record.ApproximateArrivalTimestamp?.getTime() ?? 0;
  const event: KinesisStreamRecord = {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: Buffer.from(data).toString('base64'),
      approximateArrivalTimestamp: arrivalMs / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: source.roleArn,
    awsRegion: source.region,
    eventSourceARN: source.streamArn,
  };
  const eventBytes = Buffer.byteLength(JSON.stringify(event), 'utf8');
  return { shardId, sequenceNumber, partitionKey, arrivalMs, data, event, eventBytes };
}

/** The invocation event of a batch (without tumbling-window fields). */
export function batchEvent(records: readonly ShardRecord[]): { Records: KinesisStreamRecord[] } {
  return { Records: records.map((record) => record.event) };
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
