import type { KinesisStreamRecord } from 'aws-lambda';
import { InvalidRecordError } from '../errors.ts';

/** Where a record sits in the stream, as every consumer reports and keeps it. */
export interface KinesisMetadata {
  shardId: string;
  /** Decimal string of up to 129 digits: compare as BigInt, never as text or Number. */
  sequenceNumber: string;
  partitionKey: string;
  /** Epoch milliseconds (Lambda sends epoch seconds with a millisecond fraction). */
  arrivalMs: number;
}

/**
 * The Kinesis metadata of one record of a Lambda event. Lambda puts no shard id on the record
 * itself: it is the part of `eventID` (`<shardId>:<sequenceNumber>`) before the sequence number.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html (example event)
 *
 * @example
 * kinesisMetadata(record); // { shardId: 'shardId-000000000000', sequenceNumber: '4968…', partitionKey: 'user-1', arrivalMs: 1764064800123 }
 */
export function kinesisMetadata(record: KinesisStreamRecord): KinesisMetadata {
  const { sequenceNumber, partitionKey, approximateArrivalTimestamp } = record.kinesis;
  const suffix = `:${sequenceNumber}`;
  const shardId = record.eventID.endsWith(suffix) ? record.eventID.slice(0, -suffix.length) : '';
  if (shardId === '') {
    throw new InvalidRecordError(`eventID "${record.eventID}" is not <shardId>:<sequenceNumber>`, sequenceNumber);
  }
  // Rounded: the seconds value carries float noise (1764064800.123 * 1000 = 1764064800122.9998).
  return { shardId, sequenceNumber, partitionKey, arrivalMs: Math.round(approximateArrivalTimestamp * 1000) };
}
