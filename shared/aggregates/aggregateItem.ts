/**
 * The aggregates table, as the aggregate consumer writes it and the query API reads it. Both sides
 * import this module, so the item layout lives in one place.
 *
 * One item per one-minute window of event time and per key, where a key is either an event `type`
 * (`T#<type>`) or a (`type`, `source`) pair (`TS#<type>#<source>`), both percent-encoded so `#` in a
 * value cannot collide. Table keys: `pk` (the key) and `window` (the window start, ISO 8601 UTC,
 * which sorts by time). Type-level items also carry `hour` (`YYYY-MM-DDTHH`), the partition key of
 * the `byHour` index: "every type, this hour" is one query, which the dashboard needs.
 */

/** Name of the sparse global secondary index over type-level items: partition `hour`, sort `window`. */
export const BY_HOUR_INDEX = 'byHour';

/** Aggregation window length. */
export const WINDOW_MS = 60_000;

export type AggregateScope = { type: string } | { type: string; source: string };

/** The stored running aggregate of one key in one window. */
export interface AggregateItem {
  pk: string;
  /** Window start, ISO 8601 UTC with milliseconds (`2026-11-25T21:04:00.000Z`). */
  window: string;
  /** Only on type-level items: `YYYY-MM-DDTHH` of the window (UTC), for the byHour index. */
  hour?: string;
  type: string;
  /** Only on (type, source) items. */
  source?: string;
  /** Events counted. */
  count: number;
  /** Events that carried a numeric `value`; sum, min and max are over those only. */
  valueCount: number;
  sum: number;
  /** Absent while valueCount is 0. */
  min?: number;
  max?: number;
  /** Earliest and latest event `time` seen in the window, ISO 8601. */
  firstEventTime: string;
  lastEventTime: string;
  /**
   * Exactly-once bookkeeping: per shard, the position of the last event counted (`eventWatermark`):
   * its sequence number left-padded with zeros to SEQUENCE_WIDTH digits so string order is numeric
   * order, then, for a user record of a KPL-aggregated record, `:` and its sub-sequence number.
   */
  shards: Record<string, string>;
  /** Incremented on every write; the optimistic lock of read-modify-write. */
  version: number;
  /** Epoch seconds; DynamoDB TTL deletes the item after this. */
  expiresAt: number;
  /** ISO 8601 of the last write. */
  updatedAt: string;
}

/** Kinesis sequence numbers are decimal strings of up to 129 digits. */
export const SEQUENCE_WIDTH = 130;

/** A sequence number padded so that comparing two padded strings compares the numbers. */
export const paddedSequence = (sequenceNumber: string): string => sequenceNumber.padStart(SEQUENCE_WIDTH, '0');

/** Sub-sequence numbers are indexes in an aggregated record (at most 10 MiB of records). */
const SUB_SEQUENCE_WIDTH = 10;

/**
 * An event's place in its shard as text that sorts in stream order: the padded sequence number,
 * then `:<padded sub-sequence number>` for a user record of an aggregated record. A Kinesis record
 * is either plain or aggregated, so a plain record's position never meets its own sub-positions.
 *
 * @example
 * eventWatermark({ sequenceNumber: '49', subSequenceNumber: 2 }) > eventWatermark({ sequenceNumber: '49', subSequenceNumber: 1 }); // true
 */
export const eventWatermark = (position: { sequenceNumber: string; subSequenceNumber?: number }): string =>
  position.subSequenceNumber === undefined
    ? paddedSequence(position.sequenceNumber)
    : `${paddedSequence(position.sequenceNumber)}:${String(position.subSequenceNumber).padStart(SUB_SEQUENCE_WIDTH, '0')}`;

/**
 * The partition key of a scope.
 *
 * @example
 * aggregateKey({ type: 'page_view' }); // 'T#page_view'
 * aggregateKey({ type: 'error', source: 'shop#1' }); // 'TS#error#shop%231'
 */
export function aggregateKey(scope: AggregateScope): string {
  const type = encodeURIComponent(scope.type);
  return 'source' in scope ? `TS#${type}#${encodeURIComponent(scope.source)}` : `T#${type}`;
}

/**
 * The start of the one-minute window holding `epochMs`, ISO 8601 UTC.
 *
 * @example
 * windowStart(Date.parse('2026-11-25T21:04:37.120Z')); // '2026-11-25T21:04:00.000Z'
 */
export function windowStart(epochMs: number): string {
  return new Date(Math.floor(epochMs / WINDOW_MS) * WINDOW_MS).toISOString();
}

/**
 * The byHour partition of a window start.
 *
 * @example
 * hourOf('2026-11-25T21:04:00.000Z'); // '2026-11-25T21'
 */
export const hourOf = (window: string): string => window.slice(0, 13);
