import type { PartialItemFailureResponse } from '@aws-lambda-powertools/batch/types';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { mapConcurrent } from '../../shared/async/mapConcurrent.ts';
import { reportRecordFailures } from '../../shared/consumers/reportRecordFailures.ts';
import { logger, metrics } from '../../shared/observability/powertools.ts';
import { type AlertTable, readAlerts } from './alertTable.ts';
import { applyMatches } from './evaluateAlert.ts';
import type { AlertChannel } from './notifier.ts';
import { type GroupMatches, planAlerts } from './planAlerts.ts';
import type { AlertRule } from './rules/ruleSchema.ts';
import { sweepAlerts } from './sweepAlerts.ts';
import { type AlertWriter, alertWriter, updateAlert } from './updateAlert.ts';

export interface AlertDependencies {
  table: AlertTable;
  channel: AlertChannel;
  rules: readonly AlertRule[];
  /** ALERT_COOLDOWN_SECONDS. */
  defaultCooldownSeconds: number;
  /** Processing clock, epoch ms (`Date.now`; tests inject their own). */
  now: () => number;
}

const UPDATE_CONCURRENCY = 8;

/**
 * Evaluates the alert rules on one batch and reports per record through the batch utility:
 *
 * - Invalid records fail (InvalidRecordError) and are never evaluated; after retries they reach
 *   the on-failure destination.
 * - Matches are pre-aggregated per (rule, group): one BatchGet for all touched items, then one
 *   conditional write per item that changed (see `updateAlert`), plus the notification protocol.
 * - A record fails when the update of any alert it matched failed; Lambda delivers it again from
 *   there, and merging by event id makes that redelivery count nothing twice.
 *
 * Then it sweeps (resolutions, pending notifications; failures logged, not the batch's), at most
 * every BATCH_SWEEP_INTERVAL_MS per container unless its own publish failed. Records are reported
 * in shard order (`processInParallel: false`).
 *
 * @example
 * export const handler = (event, context) => alertBatch(event, context, deps);
 */
export async function alertBatch(
  event: KinesisStreamEvent,
  context: Context,
  deps: AlertDependencies,
): Promise<PartialItemFailureResponse> {
  if (event.Records.length === 0) return { batchItemFailures: [] };
  const plan = planAlerts(event.Records, deps.rules);
  metrics.addMetric('AlertEventsMatched', MetricUnit.Count, plan.matched);
  metrics.addMetric('AlertInvalidRecords', MetricUnit.Count, plan.invalid.size);
  const writer = alertWriter(deps, deps.now());
  const failed = await updateGroups(plan.groups, deps, writer);
  if (sweepDue(deps, writer)) {
    try {
      await sweepAlerts(deps, { ...writer, now: deps.now() });
    } catch (error) {
      logger.error('sweep after the batch failed; the scheduled sweep tries again', { error });
    }
  }
  return reportRecordFailures(
    event,
    context,
    ({ kinesis }) => plan.invalid.get(kinesis.sequenceNumber) ?? failed.get(kinesis.sequenceNumber),
  );
}

/**
 * How often a warm container sweeps after a batch. Every shard's invocations sweep, and a sweep
 * reads every firing alert: once per batch would cost shards × firing alerts reads per second. The
 * scheduled sweep covers the rest of the minute.
 */
export const BATCH_SWEEP_INTERVAL_MS = 15_000;

const lastSweep = new WeakMap<AlertDependencies, number>();

/**
 * After a batch, sweep when this invocation left one of its own notifications unpublished (retry it
 * now rather than after the lease), or when this container has not swept for a while.
 */
function sweepDue(deps: AlertDependencies, writer: AlertWriter): boolean {
  const now = deps.now();
  const unpublished = [...writer.owned].some((id) => !writer.published.has(id));
  const last = lastSweep.get(deps);
  if (!unpublished && last !== undefined && now - last < BATCH_SWEEP_INTERVAL_MS && now >= last) return false;
  lastSweep.set(deps, now);
  return true;
}

/** Updates every touched alert; returns the error of every record whose alert update failed. */
async function updateGroups(
  groups: readonly GroupMatches[],
  deps: AlertDependencies,
  writer: AlertWriter,
): Promise<Map<string, Error>> {
  const failed = new Map<string, Error>();
  if (groups.length === 0) return failed;
  // An alert the batch read could not cover (left out of `stored`) is read on its own by updateAlert.
  const stored = await readAlerts(
    deps.table,
    groups.map((group) => group.alertKey),
  );
  const context = { now: writer.now, defaultCooldownSeconds: deps.defaultCooldownSeconds };
  await mapConcurrent(groups, UPDATE_CONCURRENCY, async (group) => {
    const prefetched = stored.has(group.alertKey) ? { item: stored.get(group.alertKey) } : undefined;
    try {
      await updateAlert(group.alertKey, prefetched, (item) => applyMatches(item, group, context), writer);
    } catch (error) {
      logger.error('alert update failed; its records are reported failed', { alertKey: group.alertKey, error });
      for (const sequenceNumber of group.sequenceNumbers) failed.set(sequenceNumber, error as Error);
    }
  });
  return failed;
}
