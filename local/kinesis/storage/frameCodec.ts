import { crc32 } from 'node:zlib';
import { RecordFieldTooLongError } from './errors.ts';

/**
 * One record on disk (see FORMAT.md): an 8-byte prefix [u32 body length][u32 CRC32 of the body],
 * then the body: a fixed header, the partition key, the explicit hash key and the data. All
 * integers little-endian. The position in the header lets recovery and reads check that a frame is
 * the one the index points at, and lets recovery rebuild a lost index from the log alone.
 */

export const PREFIX_BYTES = 8;
/** position u48, flags u8, explicit hash key length u8, arrival ms f64, partition key length u16. */
export const HEADER_BYTES = 18;
export const FRAME_OVERHEAD = PREFIX_BYTES + HEADER_BYTES;
/** Largest explicit hash key in bytes (AWS: a decimal of at most 39 digits). */
export const MAX_EXPLICIT_HASH_KEY_BYTES = 255;
const MAX_PARTITION_KEY_BYTES = 0xffff;
/** Any length field above this is garbage, not a record (AWS records are at most 10 MiB). */
export const MAX_BODY_BYTES = 64 * 2 ** 20;
const HAS_EXPLICIT_HASH_KEY = 1;

export interface FrameRecord {
  position: number;
  arrivalMs: number;
  partitionKey: string;
  explicitHashKey?: string | undefined;
  data: Uint8Array;
}

/**
 * Encodes one record as a frame, ready to append.
 * @example encodeFrame({ position: 0, arrivalMs: 1, partitionKey: 'k', data: new Uint8Array([1]) }).length // 28
 */
export function encodeFrame(record: FrameRecord): Buffer {
  const pkBytes = Buffer.byteLength(record.partitionKey, 'utf8');
  const ehk = record.explicitHashKey;
  const ehkBytes = ehk === undefined ? 0 : Buffer.byteLength(ehk, 'utf8');
  const frame = Buffer.allocUnsafe(FRAME_OVERHEAD + pkBytes + ehkBytes + record.data.length);
  frame.writeUInt32LE(frame.length - PREFIX_BYTES, 0);
  frame.writeUIntLE(record.position, 8, 6);
  frame[14] = ehk === undefined ? 0 : HAS_EXPLICIT_HASH_KEY;
  frame[15] = ehkBytes;
  frame.writeDoubleLE(record.arrivalMs, 16);
  frame.writeUInt16LE(pkBytes, 24);
  let at = FRAME_OVERHEAD;
  at += frame.write(record.partitionKey, at, 'utf8');
  if (ehk !== undefined) at += frame.write(ehk, at, 'utf8');
  frame.set(record.data, at);
  frame.writeUInt32LE(crc32(frame.subarray(PREFIX_BYTES)), 4);
  return frame;
}

/**
 * Throws unless the keys fit the frame's length fields, so a batch can be refused before any of it is written.
 * @example assertEncodable('user-1', undefined);
 */
export function assertEncodable(partitionKey: string, explicitHashKey: string | undefined): void {
  const pkBytes = Buffer.byteLength(partitionKey, 'utf8');
  if (pkBytes > MAX_PARTITION_KEY_BYTES) throw new RecordFieldTooLongError(`partition key of ${pkBytes} bytes`);
  const ehkBytes = explicitHashKey === undefined ? 0 : Buffer.byteLength(explicitHashKey, 'utf8');
  if (ehkBytes > MAX_EXPLICIT_HASH_KEY_BYTES)
    throw new RecordFieldTooLongError(`explicit hash key of ${ehkBytes} bytes`);
}

export type FrameCheck =
  | { kind: 'ok'; length: number; position: number; arrivalMs: number }
  /** The buffer ends before the frame does (a torn tail, or read more). */
  | { kind: 'short'; needed: number }
  | { kind: 'bad'; reason: string };

/**
 * Checks the frame starting at `at` in `buf` (length, CRC), without decoding its strings.
 * @example checkFrame(encodeFrame(record), 0).kind // 'ok'
 */
export function checkFrame(buf: Buffer, at: number): FrameCheck {
  if (buf.length - at < PREFIX_BYTES) return { kind: 'short', needed: PREFIX_BYTES };
  const bodyLength = buf.readUInt32LE(at);
  if (bodyLength < HEADER_BYTES || bodyLength > MAX_BODY_BYTES) return { kind: 'bad', reason: `length ${bodyLength}` };
  const length = PREFIX_BYTES + bodyLength;
  if (buf.length - at < length) return { kind: 'short', needed: length };
  const body = buf.subarray(at + PREFIX_BYTES, at + length);
  if (crc32(body) !== buf.readUInt32LE(at + 4)) return { kind: 'bad', reason: 'CRC mismatch' };
  const pkBytes = body.readUInt16LE(16);
  if (HEADER_BYTES + pkBytes + (body[7] ?? 0) > bodyLength) return { kind: 'bad', reason: 'key lengths past the body' };
  return { kind: 'ok', length, position: body.readUIntLE(0, 6), arrivalMs: body.readDoubleLE(8) };
}

/**
 * Decodes a frame that `checkFrame` accepted; `data` is a view into `buf` (no copy).
 * @example decodeFrame(frame, 0).partitionKey // 'k'
 */
export function decodeFrame(buf: Buffer, at: number): FrameRecord {
  const body = at + PREFIX_BYTES;
  const ehkBytes = buf[body + 7] ?? 0;
  const pkStart = at + FRAME_OVERHEAD;
  const ehkStart = pkStart + buf.readUInt16LE(body + 16);
  const dataStart = ehkStart + ehkBytes;
  const record: FrameRecord = {
    position: buf.readUIntLE(body, 6),
    arrivalMs: buf.readDoubleLE(body + 8),
    partitionKey: buf.toString('utf8', pkStart, ehkStart),
    data: buf.subarray(dataStart, body + buf.readUInt32LE(at)),
  };
  if (((buf[body + 6] ?? 0) & HAS_EXPLICIT_HASH_KEY) !== 0) {
    record.explicitHashKey = buf.toString('utf8', ehkStart, dataStart);
  }
  return record;
}

/** Bytes a frame of `length` counts against `ReadLimits.maxBytes` at least (data + partition key). */
export const payloadLowerBound = (frameLength: number): number =>
  Math.max(0, frameLength - FRAME_OVERHEAD - MAX_EXPLICIT_HASH_KEY_BYTES);

/** What a decoded frame counts against `ReadLimits.maxBytes`: data plus partition key, in bytes. */
export const payloadBytes = (buf: Buffer, at: number): number =>
  buf.readUInt32LE(at) - HEADER_BYTES - (buf[at + PREFIX_BYTES + 7] ?? 0);
