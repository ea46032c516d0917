import { createHash } from 'node:crypto';

/**
 * The aggregates table, as the aggregate consumer writes it and the query API reads it. Both sides
 * import this module, so the item layout lives in one place.
 *
 * An aggregate is the running count, sum, min and max of one key in one one-minute window of event
 * time, where a key is either an event `type` (`T#<type>`) or a (`type`, `source`) pair
 * (`TS#<type>#<source>`), both percent-encoded so `#` in a value cannot collide. It is stored as
 * parts, **one item per shard** that carried events of that key and window: a shard's batches are
 * the only writer of its parts (Lambda runs one batch per shard at a time), so however many shards
 * the stream has, two writers never race for one item, and exactly-once needs only one watermark
 * per item. Readers sum the parts (`sumAggregateParts`); a window has as many parts as shards that
 * saw its key (usually every shard, for a busy type).
 *
 * Table keys: `pk` (the key) and `sk` (`<window>#<shardId>`, so a key's parts sort by window, then
 * shard). Type-level parts also carry `hour` (`YYYY-MM-DDTHH#<n>`), the partition key of the
 * `byHour` index ("every type, this hour", which the dashboard needs). `n` spreads one hour over
 * BY_HOUR_PARTITIONS index partitions, chosen from the part's key and shard: with one index key per
 * hour, every write of the current minute would land in one index partition (about 1,000 write
 * units a second), and a throttled index throttles the table's writes.
 */

/** Name of the sparse global secondary index over type-level parts: partition `hour` (with its suffix), sort `window`. */
export const BY_HOUR_INDEX = 'byHour';

/**
 * Index partitions per hour. Each takes about 1,000 writes a second, and each batch of a shard
 * writes each type it saw once, so 8 carry e.g. 100 shards × 16 types × 5 batches a second.
 * Raising it is safe at any time (readers read every suffix below it, old parts keep theirs);
 * lowering it hides the parts written under the higher suffixes from the index.
 */
export const BY_HOUR_PARTITIONS = 8;

/** Aggregation window length. */
export const WINDOW_MS = 60_000;

export type AggregateScope = { type: string } | { type: string; source: string };

/** The totals of one key in one window: what readers get once the parts are summed. */
export interface AggregateTotals {
  type: string;
  /** Only for (type, source) keys. */
  source?: string;
  /** Window start, ISO 8601 UTC with milliseconds (`2026-11-25T21:04:00.000Z`). */
  window: string;
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
}

/** One shard's part of the running aggregate of one key in one window, as stored. */
export interface AggregateItem extends AggregateTotals {
  pk: string;
  /** `partSortKey(window, shardId)`. */
  sk: string;
  /** The shard whose events this part counts. */
  shardId: string;
  /** Only on type-level parts: `byHourKey(window, pk, shardId)`, the byHour index partition. */
  hour?: string;
  /**
   * Exactly-once bookkeeping: the position of the last event of the shard counted here
   * (`eventWatermark`): its sequence number left-padded with zeros to SEQUENCE_WIDTH digits so
   * string order is numeric order, then, for a user record of a KPL-aggregated record, `:` and its
   * sub-sequence number.
   */
  watermark: string;
  /**
   * Incremented on every write; the optimistic lock of read-modify-write. Only the part's shard
   * writes it, so a lost race means two invocations for one shard overlapped (never by design).
   */
  version: number;
  /** Epoch seconds; DynamoDB TTL deletes the item after this. */
  expiresAt: number;
  /** ISO 8601 of the last write. */
  updatedAt: string;
}

/**
 * The sort key of a shard's part: the window first, so a key's parts sort by window.
 *
 * @example
 * partSortKey('2026-11-25T21:04:00.000Z', 'shardId-000000000003'); // '2026-11-25T21:04:00.000Z#shardId-000000000003'
 */
export const partSortKey = (window: string, shardId: string): string => `${window}#${shardId}`;

/**
 * The sort-key bounds of every part of the windows from `from` to `to` (both included, as window
 * starts or any instants between), for `sk BETWEEN :lo AND :hi`. Shard IDs never hold `$`, which
 * sorts right after `#`.
 *
 * @example
 * partSortKeyRange('2026-11-25T21:00:00.000Z', '2026-11-25T21:04:00.000Z');
 * // { lo: '2026-11-25T21:00:00.000Z', hi: '2026-11-25T21:04:00.000Z$' }
 */
export const partSortKeyRange = (from: string, to: string): { lo: string; hi: string } => ({ lo: from, hi: `${to}$` });

/**
 * The byHour index partition of a type-level part: its hour, `#`, and a suffix below
 * BY_HOUR_PARTITIONS taken from a hash of the key and shard, so the parts of one hour (and the
 * writes of the current minute) spread evenly over the index partitions.
 *
 * @example
 * byHourKey('2026-11-25T21:04:00.000Z', 'T#page_view', 'shardId-000000000003'); // '2026-11-25T21#2'
 */
export function byHourKey(window: string, pk: string, shardId: string): string {
  const suffix = createHash('sha256').update(`${pk}\n${shardId}`).digest().readUInt32BE(0) % BY_HOUR_PARTITIONS;
  return `${hourOf(window)}#${suffix}`;
}

/**
 * Every byHour index partition of an hour.
 *
 * @example
 * byHourKeys('2026-11-25T21'); // ['2026-11-25T21#0', ..., '2026-11-25T21#7']
 */
export const byHourKeys = (hour: string): string[] =>
  Array.from({ length: BY_HOUR_PARTITIONS }, (_, suffix) => `${hour}#${suffix}`);

/**
 * Sums the parts of one key in one window (any order, at least one) into its totals. Copies only
 * the totals' attributes, so the table's bookkeeping never leaks to a reader by accident.
 *
 * @example
 * sumAggregateParts(partsOfOneWindow); // { type: 'page_view', window: '…', count: 1234, … }
 */
export function sumAggregateParts(parts: readonly AggregateTotals[]): AggregateTotals {
  const [first, ...rest] = parts;
  if (first === undefined) throw new Error('sumAggregateParts: no parts');
  const totals: AggregateTotals = {
    type: first.type,
    ...(first.source !== undefined && { source: first.source }),
    window: first.window,
    count: first.count,
    valueCount: first.valueCount,
    sum: first.sum,
    ...(first.min !== undefined && { min: first.min }),
    ...(first.max !== undefined && { max: first.max }),
    firstEventTime: first.firstEventTime,
    lastEventTime: first.lastEventTime,
  };
  for (const part of rest) {
    totals.count += part.count;
    totals.valueCount += part.valueCount;
    totals.sum += part.sum;
    if (part.min !== undefined) totals.min = Math.min(totals.min ?? part.min, part.min);
    if (part.max !== undefined) totals.max = Math.max(totals.max ?? part.max, part.max);
    if (part.firstEventTime < totals.firstEventTime) totals.firstEventTime = part.firstEventTime;
    if (part.lastEventTime > totals.lastEventTime) totals.lastEventTime = part.lastEventTime;
  }
  return totals;
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
