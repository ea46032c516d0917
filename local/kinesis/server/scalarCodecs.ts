import type { KinesisServiceError } from '../engine/api.ts';
import { serializationError } from './errors.ts';

/** Longest value quoted in a deserialization message. */
const MAX_QUOTED = 256;

/**
 * A value of the wrong JSON type, worded as AWS's (Java) deserializer words it, e.g.
 * `class java.lang.String can not be converted to an Integer`.
 *
 * @example
 * throw typeMismatch('3', 'Integer');
 */
export function typeMismatch(raw: unknown, expected: string): KinesisServiceError {
  if (Array.isArray(raw)) return serializationError('Start of list found where not expected');
  if (typeof raw === 'object' && raw !== null) {
    return serializationError('Start of structure or map found where not expected.');
  }
  const javaClass =
    typeof raw === 'string'
      ? 'java.lang.String'
      : typeof raw === 'boolean'
        ? 'java.lang.Boolean'
        : 'java.math.BigDecimal';
  const article = expected === 'Blob' ? 'a' : 'an';
  return serializationError(`class ${javaClass} can not be converted to ${article} ${expected}`);
}

/**
 * A blob member: standard base64 text in JSON (strictly: padded, no whitespace, no URL-safe
 * alphabet, as AWS's decoder refuses those), a byte string as is in CBOR. The check costs one
 * length comparison and two `indexOf` scans, not a per-character pass.
 *
 * @example
 * decodeBlob('aGk='); // Uint8Array [104, 105]
 */
export function decodeBlob(raw: unknown): Uint8Array {
  if (raw instanceof Uint8Array) return raw;
  if (typeof raw !== 'string') throw typeMismatch(raw, 'Blob');
  if (raw.length % 4 !== 0) {
    throw blobError(raw, `Base64 encoded length is expected a multiple of 4 bytes but found: ${raw.length}`);
  }
  const bytes = Buffer.from(raw, 'base64');
  const padding = raw.endsWith('==') ? 2 : raw.endsWith('=') ? 1 : 0;
  // Node skips characters outside the alphabet and stops at inner padding, so a shorter result
  // means the text held one; it also accepts the URL-safe alphabet, which AWS does not.
  if (bytes.length !== (raw.length / 4) * 3 - padding || raw.indexOf('-') >= 0 || raw.indexOf('_') >= 0) {
    throw blobError(raw, 'Invalid Base64 character');
  }
  return bytes;
}

/**
 * A timestamp member: epoch seconds (fraction = milliseconds) as JSON numbers, what the SDKs send;
 * also numeric strings and ISO 8601 text, which hand-written requests and the CLI may carry; a
 * `Date` (CBOR tag 1, decoded) as is.
 *
 * @example
 * decodeTimestamp(1700000000.5); // 2023-11-14T22:13:20.500Z
 */
export function decodeTimestamp(raw: unknown): Date {
  if (raw instanceof Date) return raw;
  let millis = Number.NaN;
  if (typeof raw === 'number') millis = raw * 1000;
  else if (typeof raw === 'bigint') millis = Number(raw) * 1000;
  else if (typeof raw === 'string') {
    const seconds = Number(raw);
    millis = raw.trim() !== '' && Number.isFinite(seconds) ? seconds * 1000 : Date.parse(raw);
  } else throw typeMismatch(raw, 'Date');
  // Beyond ±8.64e15 ms a Date is invalid.
  if (!Number.isFinite(millis) || Math.abs(millis) > 8.64e15)
    throw serializationError(`'${quote(String(raw))}' can not be converted to a Date`);
  return new Date(millis);
}

function blobError(raw: string, reason: string): KinesisServiceError {
  return serializationError(`'${quote(raw)}' can not be converted to a Blob: ${reason}`);
}

function quote(text: string): string {
  return text.length <= MAX_QUOTED ? text : `${text.slice(0, MAX_QUOTED)}...`;
}
