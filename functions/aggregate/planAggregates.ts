import type { KinesisStreamRecord } from 'aws-lambda';
import { aggregateKey, paddedSequence, windowStart } from '../../shared/aggregates/aggregateItem.ts';
import { requireValidRecord } from '../../shared/consumers/decodeRecord.ts';
import { kinesisMetadata } from '../../shared/consumers/kinesisMetadata.ts';
import { InvalidRecordError } from '../../shared/errors.ts';
import type { PipelineRecord } from '../../shared/events/eventSchema.ts';

/** One record's share of an aggregate: what folding needs, and where the record sits in its shard. */
export interface Contribution {
  shardId: string;
  /** As Lambda reports it: the batch-item-failure identifier. */
  sequenceNumber: string;
  /** `paddedSequence(sequenceNumber)`: compared with the item's watermark for the shard as text. */
  sequence: string;
  /** Event time, epoch ms. */
  timeMs: number;
  value?: number;
}

/** Every contribution of a batch to one item: one key (`type` or `type`+`source`) in one window. */
export interface AggregateGroup {
  pk: string;
  window: string;
  type: string;
  /** Present on (type, source) groups only. */
  source?: string;
  /** In batch order, which is shard order. */
  contributions: Contribution[];
}

export interface AggregatePlan {
  /** In order of first appearance in the batch. */
  groups: AggregateGroup[];
  /** Records that cannot be aggregated, by sequence number; they are in no group. */
  invalid: Map<string, InvalidRecordError>;
}

/** DynamoDB numbers: magnitude below 1E+126 and, unless zero, at least 1E-130. */
const DYNAMODB_NUMBER_MAX = 1e126;
const DYNAMODB_NUMBER_MIN = 1e-130;
/** DynamoDB partition key values are at most 2048 bytes (UTF-8). */
const DYNAMODB_PARTITION_KEY_MAX_BYTES = 2048;

/**
 * Decodes a batch and groups it by item: each valid record contributes to two items of the window
 * holding its event `time` (its `type`, and its `type` + `source`), so a late event simply lands in
 * its own, older window. Invalid records (not a pipeline record, a `value` or key DynamoDB cannot
 * store) are set aside with the reason and never reach an aggregate.
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
  for (const record of records) {
    let contribution: Contribution;
    let event: PipelineRecord;
    try {
      ({ contribution, event } = toContribution(record));
    } catch (error) {
      if (!(error instanceof InvalidRecordError)) throw error;
      invalid.set(record.kinesis.sequenceNumber, error);
      continue;
    }
    const window = windowStart(contribution.timeMs);
    for (const scope of [{ type: event.type }, { type: event.type, source: event.source }]) {
      const pk = aggregateKey(scope);
      const id = `${pk}\n${window}`;
      let group = groups.get(id);
      if (group === undefined) {
        group = { pk, window, ...scope, contributions: [] };
        groups.set(id, group);
      }
      group.contributions.push(contribution);
    }
  }
  return { groups: [...groups.values()], invalid };
}

function toContribution(record: KinesisStreamRecord): { contribution: Contribution; event: PipelineRecord } {
  const { shardId, sequenceNumber } = kinesisMetadata(record);
  const event = requireValidRecord(record);
  const reject = (reason: string) => new InvalidRecordError(`cannot aggregate: ${reason}`, sequenceNumber);
  const timeMs = Date.parse(event.time);
  if (Number.isNaN(timeMs)) throw reject(`time "${event.time}" is not a representable instant`);
  if (event.value !== undefined && !isDynamoDbNumber(event.value)) {
    throw reject(`value ${event.value} is outside the range DynamoDB numbers can hold`);
  }
  const longestKey = aggregateKey({ type: event.type, source: event.source });
  if (Buffer.byteLength(longestKey, 'utf8') > DYNAMODB_PARTITION_KEY_MAX_BYTES) {
    throw reject(`key ${longestKey.slice(0, 64)}… is longer than DynamoDB's 2048-byte partition key limit`);
  }
  const contribution: Contribution = { shardId, sequenceNumber, sequence: paddedSequence(sequenceNumber), timeMs };
  if (event.value !== undefined) contribution.value = event.value;
  return { contribution, event };
}

function isDynamoDbNumber(value: number): boolean {
  const magnitude = Math.abs(value);
  return magnitude === 0 || (magnitude >= DYNAMODB_NUMBER_MIN && magnitude < DYNAMODB_NUMBER_MAX);
}
