import { invalidArgument } from './errors.ts';

/**
 * Sequence numbers shaped like AWS's (56 decimal digits starting with "49") that the engine can
 * decode in O(1): `49` + shard index (6 digits) + stream creation ms (13) + position tick (35).
 *
 * - The shard index leads, so every number of a child shard (created later, higher index) exceeds
 *   every number of its parents, as AWS guarantees.
 * - The stream creation ms tells a number of another stream (or of a re-created one) apart.
 * - The tick is the storage position + 1; tick 0 is the shard's StartingSequenceNumber, below its
 *   first record, so `AT_SEQUENCE_NUMBER <starting>` reads from the first record.
 */
const PREFIX = '49';
const INDEX_DIGITS = 6;
const STREAM_DIGITS = 13;
const TICK_DIGITS = 35;
const LENGTH = PREFIX.length + INDEX_DIGITS + STREAM_DIGITS + TICK_DIGITS;

export interface SequenceParts {
  shardIndex: number;
  streamCreatedMs: number;
  /** Storage position + 1; 0 = before the shard's first record. */
  tick: number;
}

/**
 * @example formatSequenceNumber({ shardIndex: 0, streamCreatedMs: 1_700_000_000_000, tick: 1 }).length // 56
 */
export function formatSequenceNumber(parts: SequenceParts): string {
  return (
    PREFIX +
    String(parts.shardIndex).padStart(INDEX_DIGITS, '0') +
    String(parts.streamCreatedMs).padStart(STREAM_DIGITS, '0') +
    String(parts.tick).padStart(TICK_DIGITS, '0')
  );
}

/** The number of the record at `position`. */
export function recordSequenceNumber(shardIndex: number, streamCreatedMs: number, position: number): string {
  return sequencePrefix(shardIndex, streamCreatedMs) + String(position + 1).padStart(TICK_DIGITS, '0');
}

/** The part of a shard's numbers that never changes (the write path computes it once per shard). */
export function sequencePrefix(shardIndex: number, streamCreatedMs: number): string {
  return PREFIX + String(shardIndex).padStart(INDEX_DIGITS, '0') + String(streamCreatedMs).padStart(STREAM_DIGITS, '0');
}

/** A record's number from its shard's prefix. */
export function sequenceFromPrefix(prefix: string, position: number): string {
  return prefix + String(position + 1).padStart(TICK_DIGITS, '0');
}

/**
 * Decodes a number this engine issued; anything else is AWS's InvalidArgumentException.
 * @example parseSequenceNumber(recordSequenceNumber(2, 5, 9)) // { shardIndex: 2, streamCreatedMs: 5, tick: 10 }
 */
export function parseSequenceNumber(value: string): SequenceParts {
  if (value.length !== LENGTH || !value.startsWith(PREFIX) || !/^\d+$/.test(value)) {
    throw invalidArgument(`StartingSequenceNumber ${value} used in GetShardIterator on shard is invalid.`);
  }
  const streamAt = PREFIX.length + INDEX_DIGITS;
  const tickAt = streamAt + STREAM_DIGITS;
  const shardIndex = Number(value.slice(PREFIX.length, streamAt));
  const streamCreatedMs = Number(value.slice(streamAt, tickAt));
  const tick = Number(value.slice(tickAt));
  if (!Number.isSafeInteger(tick)) throw invalidArgument(`Sequence number ${value} is out of range.`);
  return { shardIndex, streamCreatedMs, tick };
}
