import { createHash } from 'node:crypto';
import type { KinesisStreamRecord } from 'aws-lambda';
import { InvalidRecordError } from '../errors.ts';
import { type StreamEventRecord, streamRecordSchema } from '../events/eventSchema.ts';
import { isEventTime, validateEvent } from '../events/validateEvent.ts';
import { jsonShapeProblem } from '../http/jsonShape.ts';
import { deaggregate } from '../kinesis/kplAggregation.ts';
import { kinesisMetadata } from './kinesisMetadata.ts';

/** Where one event sits in the stream. */
export interface EventPosition {
  shardId: string;
  /** The Kinesis record's: what Lambda checkpoints, and what a partial batch response names. */
  sequenceNumber: string;
  /** The event's index inside a KPL-aggregated record; absent for a plain record. */
  subSequenceNumber?: number;
  /** The event's own partition key: a user record's own inside an aggregated record. */
  partitionKey: string;
  /** A user record's explicit hash key, when its producer set one. */
  explicitHashKey?: string;
  /** ApproximateArrivalTimestamp of the Kinesis record, epoch ms. */
  arrivalMs: number;
}

/**
 * One event of a Kinesis record: valid (completed, see `streamEvents`), or not, with the reason and
 * the bytes that could not be read (base64), so nothing invalid is lost.
 */
export type StreamEvent =
  | { ok: true; position: EventPosition; event: StreamEventRecord }
  | { ok: false; position: EventPosition; reason: string; data: string };

// fatal: a byte sequence that is not UTF-8 is an invalid event, not a string with U+FFFD in it.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The longest `id` the producer schema allows. */
const MAX_ID_LENGTH = 128;

/**
 * The events a Kinesis record (as Lambda delivers it) carries, in order:
 *
 * - a KPL-aggregated record (magic bytes, protobuf, MD5 digest; shared/kinesis/kplAggregation.ts)
 *   gives one event per user record, each with its sub-sequence number and its own partition key;
 *   one whose digest or body is wrong gives a single invalid event holding the whole record;
 * - any other record is one event.
 *
 * An event is UTF-8 JSON that is either a record ingest wrote, or any producer event (at least
 * `type` and `source`, the POST /events schema) written straight to the stream. What such an event
 * leaves out is derived from its place in the stream, the same on every delivery, so the sinks stay
 * exact: `id` from the position (`positionId`), `time` and `receivedAt` from the record's
 * ApproximateArrivalTimestamp, `specversion` 1.0. The JSON shapes ingest refuses (a `__proto__`
 * key, a number beyond a double, nesting past 64 levels) are refused here too. Never throws: a
 * record whose eventID Lambda would never send (see kinesisMetadata) is one invalid event.
 *
 * @example
 * for (const item of streamEvents(record)) if (item.ok) item.event.type; // 'page_view'
 */
export function streamEvents(record: KinesisStreamRecord): StreamEvent[] {
  let metadata: ReturnType<typeof kinesisMetadata>;
  try {
    metadata = kinesisMetadata(record);
  } catch (error) {
    if (!(error instanceof InvalidRecordError)) throw error;
    const { sequenceNumber, partitionKey, approximateArrivalTimestamp, data } = record.kinesis;
    const position = { shardId: '', sequenceNumber, partitionKey, arrivalMs: approximateArrivalTimestamp * 1000 };
    return [{ ok: false, position, reason: error.message, data }];
  }
  const { shardId, sequenceNumber, partitionKey, arrivalMs } = metadata;
  const bytes = Buffer.from(record.kinesis.data, 'base64');
  const unpacked = deaggregate(bytes);
  const recordPosition: EventPosition = { shardId, sequenceNumber, partitionKey, arrivalMs };
  switch (unpacked.kind) {
    case 'plain':
      return [readEvent(bytes, recordPosition, record.kinesis.data)];
    case 'corrupt':
      return [{ ok: false, position: recordPosition, reason: unpacked.reason, data: record.kinesis.data }];
    case 'aggregated':
      return unpacked.records.map((user, subSequenceNumber) => {
        const position: EventPosition = {
          ...recordPosition,
          subSequenceNumber,
          partitionKey: user.partitionKey,
          ...(user.explicitHashKey === undefined ? {} : { explicitHashKey: user.explicitHashKey }),
        };
        return readEvent(user.data, position);
      });
  }
}

/**
 * The `id` of an event that came without one: its place in the stream, which every delivery of the
 * record shares (`<shardId>:<sequenceNumber>`, then `:<subSequenceNumber>` inside an aggregated
 * record). Beyond the schema's 128 characters (sequence numbers may have up to 128 digits), the
 * SHA-256 of that text in hex.
 *
 * @example
 * positionId({ shardId: 'shardId-000000000001', sequenceNumber: '4960…', subSequenceNumber: 3 }); // 'shardId-000000000001:4960…:3'
 */
export function positionId(position: Pick<EventPosition, 'shardId' | 'sequenceNumber' | 'subSequenceNumber'>): string {
  const sub = position.subSequenceNumber === undefined ? '' : `:${position.subSequenceNumber}`;
  const id = `${position.shardId}:${position.sequenceNumber}${sub}`;
  return id.length <= MAX_ID_LENGTH ? id : createHash('sha256').update(id).digest('hex');
}

function readEvent(bytes: Uint8Array, position: EventPosition, base64?: string): StreamEvent {
  const invalid = (reason: string): StreamEvent => ({
    ok: false,
    position,
    reason,
    data: base64 ?? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
  });
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (error) {
    return invalid(`not UTF-8 JSON: ${(error as Error).message}`);
  }
  const problem = eventProblem(value);
  if (problem !== undefined) return invalid(`not a valid event: ${problem}`);
  return { ok: true, position, event: completed(value as Record<string, unknown>, position) };
}

/** Why `value` is not an event a consumer can take, or undefined. */
function eventProblem(value: unknown): string | undefined {
  const shape = jsonShapeProblem(value);
  if (shape !== undefined) return shape;
  if (validateEvent(value).ok) {
    const { receivedAt, ingestRequestId } = value as Record<string, unknown>;
    if (
      (receivedAt === undefined || isEventTime(receivedAt)) &&
      (ingestRequestId === undefined || (typeof ingestRequestId === 'string' && ingestRequestId.length > 0))
    ) {
      return undefined;
    }
  }
  const parsed = streamRecordSchema.safeParse(value);
  if (parsed.success) return undefined;
  return parsed.error.issues
    .map((issue) => `${issue.path.map(String).join('.') || 'event'}: ${issue.message}`)
    .join('; ');
}

/**
 * The event with what it left out derived from its position. A record ingest wrote has all of it
 * and is returned as is (attributes in the order sent); otherwise the missing ones are added after
 * the producer's own.
 */
function completed(event: Record<string, unknown>, position: EventPosition): StreamEventRecord {
  if (
    event.specversion !== undefined &&
    event.id !== undefined &&
    event.time !== undefined &&
    event.receivedAt !== undefined
  ) {
    return event as StreamEventRecord;
  }
  const arrival = new Date(position.arrivalMs).toISOString();
  return Object.assign({}, event, {
    specversion: '1.0' as const,
    id: event.id ?? positionId(position),
    time: event.time ?? arrival,
    receivedAt: event.receivedAt ?? arrival,
  }) as StreamEventRecord;
}
