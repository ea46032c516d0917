import type { KinesisStreamRecord } from 'aws-lambda';
import { InvalidRecordError } from '../errors.ts';
import { type PipelineRecord, pipelineRecordSchema } from '../events/eventSchema.ts';

export type DecodedRecord = { ok: true; record: PipelineRecord } | { ok: false; reason: string };

// fatal: a byte sequence that is not UTF-8 is an invalid record, not a string with U+FFFD in it.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a Kinesis record's data (base64 of UTF-8 JSON) and validates it against the schema
 * ingest writes with (`pipelineRecordSchema`). Never throws: an invalid record comes back with the
 * reason. On success the record is the parsed object itself, not the schema's copy, so attributes
 * keep the order the producer sent them in.
 *
 * @example
 * const decoded = decodeRecord(event.Records[0]);
 * if (decoded.ok) decoded.record.type; // 'page_view'
 */
export function decodeRecord(record: KinesisStreamRecord): DecodedRecord {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(Buffer.from(record.kinesis.data, 'base64')));
  } catch (error) {
    return { ok: false, reason: `not UTF-8 JSON: ${(error as Error).message}` };
  }
  const parsed = pipelineRecordSchema.safeParse(value);
  if (parsed.success) return { ok: true, record: value as PipelineRecord };
  const issues = parsed.error.issues.map(
    (issue) => `${issue.path.map(String).join('.') || 'record'}: ${issue.message}`,
  );
  return { ok: false, reason: `not a valid pipeline record: ${issues.join('; ')}` };
}

/**
 * The decoded record, or InvalidRecordError: for consumers that fail an invalid record from their
 * record handler, so it reaches the on-failure destination after retries instead of their logic.
 *
 * @example
 * const recordHandler = async (record: KinesisStreamRecord) => aggregate(requireValidRecord(record));
 */
export function requireValidRecord(record: KinesisStreamRecord): PipelineRecord {
  const decoded = decodeRecord(record);
  if (!decoded.ok) throw new InvalidRecordError(decoded.reason, record.kinesis.sequenceNumber);
  return decoded.record;
}
