import type { KinesisStreamRecord } from 'aws-lambda';
import { aggregateKey, eventWatermark, windowStart } from '../../shared/aggregates/aggregateItem.ts';
import { type StreamEvent, streamEvents } from '../../shared/consumers/streamEvents.ts';
import { InvalidRecordError } from '../../shared/errors.ts';
import type { StreamEventRecord } from '../../shared/events/eventSchema.ts';

/** One event's share of an aggregate: what folding needs, and where the event sits in its shard. */
export interface Contribution {
  shardId: string;
  /** Its Kinesis record's, as Lambda reports it: the batch-item-failure identifier. */
  sequenceNumber: string;
  /** `eventWatermark` of the event: compared with the item's watermark for the shard as text. */
  sequence: string;
  /** Event time, epoch ms. */
  timeMs: number;
  value?: number;
}

/**
 * Every contribution of a batch to one item: one shard's part of one key (`type` or
 * `type`+`source`) in one window.
 */
export interface AggregateGroup {
  pk: string;
  window: string;
  shardId: string;
  type: string;
  /** Present on (type, source) groups only. */
  source?: string;
  /** In batch order, which is shard order. */
  contributions: Contribution[];
}

export interface AggregatePlan {
  /** In order of first appearance in the batch. */
  groups: AggregateGroup[];
  /**
   * Records holding an event that cannot be aggregated, by sequence number, with the first such
   * event's reason; those events are in no group (the record's other events are).
   */
  invalid: Map<string, InvalidRecordError>;
}

/** DynamoDB numbers: magnitude below 1E+126 and, unless zero, at least 1E-130. */
const DYNAMODB_NUMBER_MAX = 1e126;
const DYNAMODB_NUMBER_MIN = 1e-130;
/** DynamoDB partition key values are at most 2048 bytes (UTF-8). */
const DYNAMODB_PARTITION_KEY_MAX_BYTES = 2048;

/**
 * Decodes a batch into its events (`streamEvents`: a KPL-aggregated record holds many) and groups
 * them by item: each valid event contributes to two parts of the window holding its event `time`
 * (its `type`, and its `type` + `source`, each its shard's part), so a late event simply lands in
 * its own, older window. A batch holds one shard's records, so its groups are that shard's parts. Invalid events (not an event, a `value` or key DynamoDB cannot store) are
 * set aside with the reason and never reach an aggregate.
 *
 * Pure: no I/O, no clock. The table is written once per group, not once per record.
 *
 * @example
 * const { groups, invalid } = planAggregates(event.Records);
 * groups.map((group) => group.pk); // ['T#page_view', 'TS#page_view#web', ...]
 */
export function planAggregates(records: readonly KinesisStreamRecord[]): AggregatePlan {
  const groups = new Map<string, AggregateGroup>();
  const invalid = new Map<string, InvalidRecordError>();
  for (const item of records.flatMap(streamEvents)) {
    let contribution: Contribution;
    let event: StreamEventRecord;
    try {
      ({ contribution, event } = toContribution(item));
    } catch (error) {
      if (!(error instanceof InvalidRecordError)) throw error;
      if (!invalid.has(error.sequenceNumber)) invalid.set(error.sequenceNumber, error);
      continue;
    }
    const window = windowStart(contribution.timeMs);
    for (const scope of [{ type: event.type }, { type: event.type, source: event.source }]) {
      const pk = aggregateKey(scope);
      const { shardId } = contribution;
      const id = `${pk}\n${window}\n${shardId}`;
      let group = groups.get(id);
      if (group === undefined) {
        group = { pk, window, shardId, ...scope, contributions: [] };
        groups.set(id, group);
      }
      group.contributions.push(contribution);
    }
  }
  return { groups: [...groups.values()], invalid };
}

function toContribution(item: StreamEvent): { contribution: Contribution; event: StreamEventRecord } {
  const { shardId, sequenceNumber } = item.position;
  if (!item.ok) throw new InvalidRecordError(`${where(item)}${item.reason}`, sequenceNumber);
  const { event } = item;
  const reject = (reason: string) =>
    new InvalidRecordError(`${where(item)}cannot aggregate: ${reason}`, sequenceNumber);
  const timeMs = Date.parse(event.time);
  if (Number.isNaN(timeMs)) throw reject(`time "${event.time}" is not a representable instant`);
  if (event.value !== undefined && !isDynamoDbNumber(event.value)) {
    throw reject(`value ${event.value} is outside the range DynamoDB numbers can hold`);
  }
  const longestKey = aggregateKey({ type: event.type, source: event.source });
  if (Buffer.byteLength(longestKey, 'utf8') > DYNAMODB_PARTITION_KEY_MAX_BYTES) {
    throw reject(`key ${longestKey.slice(0, 64)}… is longer than DynamoDB's 2048-byte partition key limit`);
  }
  const contribution: Contribution = { shardId, sequenceNumber, sequence: eventWatermark(item.position), timeMs };
  if (event.value !== undefined) contribution.value = event.value;
  return { contribution, event };
}

/** Names the user record inside an aggregated record, for the error. */
const where = (item: StreamEvent) =>
  item.position.subSequenceNumber === undefined ? '' : `user record ${item.position.subSequenceNumber}: `;

function isDynamoDbNumber(value: number): boolean {
  const magnitude = Math.abs(value);
  return magnitude === 0 || (magnitude >= DYNAMODB_NUMBER_MIN && magnitude < DYNAMODB_NUMBER_MAX);
}
