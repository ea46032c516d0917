import type { PartialItemFailureResponse } from '@aws-lambda-powertools/batch/types';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { reportRecordFailures } from '../../shared/consumers/reportRecordFailures.ts';
import { metrics } from '../../shared/observability/powertools.ts';
import type { AggregateTableClient } from './aggregateTable.ts';
import { type Contribution, planAggregates } from './planAggregates.ts';
import { type WriteOutcome, writeAggregates } from './writeAggregates.ts';

export interface AggregateDependencies {
  /** The DynamoDB document client (`dynamoDbDocumentClient()`). */
  dynamoDb: AggregateTableClient;
  table: string;
  /** Days an aggregate is kept after its window ends. */
  ttlDays: number;
  /** Epoch ms; `Date.now` outside tests. */
  clock: () => number;
  /** Tuning of the item writes (concurrency, conflict attempts, backoff); defaults suit Lambda. */
  writes?: { concurrency?: number; attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
}

/**
 * Folds one batch (records of one shard, in order) into the running aggregates: per event `type`
 * and per (`type`, `source`), per one-minute window of event time, each as this shard's part (see
 * shared/aggregates/aggregateItem.ts). Each record counts exactly once, however often Lambda
 * delivers it, and batches of different shards never write the same item:
 *
 * - Every part keeps the position of the last event it counted (its watermark), and an event at or
 *   below it is skipped. This holds because Lambda runs one batch per shard at a time
 *   (ParallelizationFactor 1, set in resources/aggregate.yml; with more, batches of one shard would
 *   run concurrently and the watermark would skip records) and delivers a shard's records in
 *   order, redelivering from the first failed record onward.
 * - Parts are still written with optimistic locking (`version`), so an overlap the mapping never
 *   makes (an operator's replay beside it) cannot lose a count; see `writeAggregates`.
 *
 * Everything is computed first (decode, group by part, read, fold, write: one write per part with
 * something new, not per record), then the batch utility reports per record, in shard order: a
 * record fails when it is invalid or when one of its two items could not be written. Valid records
 * after a failed one are applied anyway: Lambda will deliver them again (it retries from the lowest
 * failed sequence number), and then the watermark skips them, so applying them early is harmless.
 * It also matters: an invalid record fails every retry, and when the retries run out Lambda
 * discards the records it was retrying (the poison record and those behind it in that batch) to the
 * on-failure destination and moves on, so records behind it not applied on an earlier delivery
 * would never be counted.
 * When every record fails the utility throws and the whole invoke fails (retried, bisected, then
 * sent to the on-failure destination).
 *
 * @example
 * export const handler = (event, context) => aggregateBatch(event, context, deps);
 */
export async function aggregateBatch(
  event: KinesisStreamEvent,
  context: Context,
  deps: AggregateDependencies,
): Promise<PartialItemFailureResponse> {
  if (event.Records.length === 0) return { batchItemFailures: [] };
  const plan = planAggregates(event.Records);
  const outcomes = await writeAggregates(
    plan.groups,
    { client: deps.dynamoDb, tableName: deps.table },
    { ...deps.writes, ttlDays: deps.ttlDays, now: deps.clock },
  );
  const failures = new Map<string, Error>(plan.invalid);
  for (const outcome of outcomes) {
    if (outcome.status !== 'failed') continue;
    for (const { sequenceNumber } of outcome.group.contributions) failures.set(sequenceNumber, outcome.error);
  }
  recordAggregateMetrics(outcomes, plan.invalid.size, failures);
  return reportRecordFailures(event, context, (record) => failures.get(record.kinesis.sequenceNumber));
}

/**
 * AggregatedEvents: events newly counted into at least one item. AggregateDuplicatesSkipped: events
 * every item of which had already counted them (redeliveries) and whose record did not fail. An
 * event is its shard and `sequence` (sequence and sub-sequence number), so the user records of a
 * KPL record count one each.
 */
function recordAggregateMetrics(
  outcomes: readonly WriteOutcome[],
  invalidRecords: number,
  failures: ReadonlyMap<string, Error>,
): void {
  const eventOf = (c: Contribution) => `${c.shardId}\n${c.sequence}`;
  const folded = new Set<string>();
  const skipped = new Map<string, Contribution>();
  let writes = 0;
  let conflicts = 0;
  for (const outcome of outcomes) {
    conflicts += outcome.conflicts;
    if (outcome.status === 'failed') continue;
    if (outcome.status === 'written') writes += 1;
    for (const contribution of outcome.folded) folded.add(eventOf(contribution));
    for (const contribution of outcome.skipped) skipped.set(eventOf(contribution), contribution);
  }
  const duplicates = [...skipped].filter(
    ([event, contribution]) => !folded.has(event) && !failures.has(contribution.sequenceNumber),
  );
  metrics.addMetric('AggregatedEvents', MetricUnit.Count, folded.size);
  metrics.addMetric('AggregateWrites', MetricUnit.Count, writes);
  metrics.addMetric('AggregateDuplicatesSkipped', MetricUnit.Count, duplicates.length);
  metrics.addMetric('AggregateInvalidRecords', MetricUnit.Count, invalidRecords);
  metrics.addMetric('AggregateWriteConflicts', MetricUnit.Count, conflicts);
}
