import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type AlertItem, alertId } from '../../shared/alerts/alertItem.ts';
import { logger, metrics } from '../../shared/observability/powertools.ts';
import { type AlertTable, isConditionalCheckFailed, markNotificationSent, putAlert, readAlert } from './alertTable.ts';
import { AlertUpdateError, AlertWriteConflictError } from './errors.ts';
import type { Evaluation, Transition } from './evaluateAlert.ts';
import { type AlertChannel, alertMessage, publishAlert } from './notifier.ts';
import type { AlertRule } from './rules/ruleSchema.ts';

/** Conditional writes tried per item before its records are reported failed. */
export const MAX_WRITE_ATTEMPTS = 5;

/**
 * How long a `pending` notification belongs to the invocation that wrote it: that invocation
 * publishes it right after its write, within its own timeout (30 s). Another invocation that reads
 * it pending sooner leaves it alone (publishing it too would send it twice whenever two shards race
 * on one alert); after this it counts as abandoned (a crash between write and publish) and the
 * next reader publishes it.
 */
export const PENDING_LEASE_MS = 60_000;

/** Everything an update writes to, shared by all updates of one invocation. */
export interface AlertWriter {
  table: AlertTable;
  channel: AlertChannel;
  /** Rule descriptions by rule id, carried in notifications. */
  descriptions: ReadonlyMap<string, string>;
  /** Notifications (alertId and state) this invocation has published: a retry never publishes one twice. */
  published: Set<string>;
  /** Notifications this invocation wrote pending: its own to publish (again, if a publish failed), lease or not. */
  owned: Set<string>;
  /** Processing time, epoch ms. */
  now: number;
}

/**
 * A writer for one invocation (its own `published` set), at processing time `now`.
 *
 * @example
 * const writer = alertWriter(deps, deps.now());
 */
export function alertWriter(
  deps: { table: AlertTable; channel: AlertChannel; rules: readonly AlertRule[] },
  now: number,
): AlertWriter {
  return {
    table: deps.table,
    channel: deps.channel,
    descriptions: new Map(deps.rules.map((rule) => [rule.id, rule.description])),
    published: new Set(),
    owned: new Set(),
    now,
  };
}

/**
 * Read-modify-write of one alert item, optimistic on `version`, then its notification:
 *
 * 1. Read (or take the batch read), publish a notification the item still has `pending` if it is
 *    abandoned (older than PENDING_LEASE_MS: a crash between an earlier write and its publish) or
 *    this invocation's own (its publish failed), evaluate.
 * 2. Write conditionally; on a conflict read again and start over, at most MAX_WRITE_ATTEMPTS times.
 * 3. If the write fired or resolved the alert (`notification: 'pending'` stored), publish, then mark
 *    it `sent` (re-read and retried while a racing writer keeps bumping the version). A crash
 *    between publish and mark leaves it pending: once the lease is over the next reader publishes
 *    it again, the one duplicate this allows (same `alertId`).
 *
 * Throws AlertUpdateError (read, write or publish failed) or AlertWriteConflictError; a failed
 * publish leaves the notification pending for the next invocation.
 *
 * @example
 * await updateAlert(key, { item: stored }, (item) => applyMatches(item, group, context), writer);
 */
export async function updateAlert(
  key: string,
  prefetched: { item: AlertItem | undefined } | undefined,
  evaluate: (stored: AlertItem | undefined) => Evaluation,
  writer: AlertWriter,
): Promise<Transition | undefined> {
  let batchRead = prefetched;
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt += 1) {
    const stored = batchRead ? batchRead.item : await step(key, 'read', () => readAlert(writer.table, key));
    batchRead = undefined;
    const delivered = stored && isOursToPublish(stored, writer) ? await deliver(stored, writer) : false;
    const evaluation = evaluate(stored);
    if (!evaluation.changed) {
      if (stored && delivered) await markSent(stored, writer);
      return undefined;
    }
    const item: AlertItem =
      delivered && !evaluation.transition ? { ...evaluation.item, notification: 'sent' } : evaluation.item;
    try {
      await putAlert(writer.table, item, stored?.version);
    } catch (error) {
      if (!isConditionalCheckFailed(error))
        throw new AlertUpdateError(`alert ${key}: write failed`, key, { cause: error });
      metrics.addMetric('AlertWriteConflicts', MetricUnit.Count, 1);
      continue;
    }
    if (evaluation.transition) {
      writer.owned.add(notificationId(item));
      metrics.addMetric(evaluation.transition === 'fired' ? 'AlertsFired' : 'AlertsResolved', MetricUnit.Count, 1);
      logger.info(`alert ${evaluation.transition}`, {
        alertKey: key,
        firedAt: item.firedAt,
        matchedCount: item.matchedCount,
      });
      await deliver(item, writer);
      await markSent(item, writer);
    }
    return evaluation.transition;
  }
  throw new AlertWriteConflictError(key, MAX_WRITE_ATTEMPTS);
}

/** The notification an item carries: its alert episode and state. */
const notificationId = (item: AlertItem) => `${alertId(item.alertKey, item.firedAt ?? '')}|${item.state}`;

/** A pending notification this invocation wrote, or one abandoned by the invocation that did. */
function isOursToPublish(item: AlertItem, writer: AlertWriter): boolean {
  if (item.notification !== 'pending') return false;
  if (writer.owned.has(notificationId(item))) return true;
  const changedAt = Date.parse(item.changedAt ?? '');
  return !Number.isFinite(changedAt) || writer.now - changedAt >= PENDING_LEASE_MS;
}

/** Publishes the item's current notification unless this invocation already did. */
async function deliver(item: AlertItem, writer: AlertWriter): Promise<true> {
  const message = alertMessage(item, writer.descriptions.get(item.ruleId));
  const id = `${message.alertId}|${message.state}`;
  if (writer.published.has(id)) return true;
  await step(item.alertKey, `publish ${message.state} notification (left pending)`, () =>
    publishAlert(message, writer.channel),
  );
  writer.published.add(id);
  metrics.addMetric('AlertNotificationsSent', MetricUnit.Count, 1);
  return true;
}

/**
 * The notification is out; failing to record it only risks one duplicate (the next reader
 * publishes it again), while failing the records would redeliver them for nothing. So: log only.
 */
async function markSent(item: AlertItem, writer: AlertWriter): Promise<void> {
  try {
    let current: AlertItem | undefined = item;
    for (let attempt = 1; current && attempt <= MAX_WRITE_ATTEMPTS; attempt += 1) {
      if (await markNotificationSent(writer.table, current, new Date(writer.now).toISOString())) return;
      // Another writer changed the item meanwhile (say, merging matches from another shard) and
      // carried the pending notification over: mark it on the item as it is now, if still this one.
      const stored = await readAlert(writer.table, item.alertKey);
      current =
        stored?.notification === 'pending' && notificationId(stored) === notificationId(item) ? stored : undefined;
    }
    if (current) throw new AlertWriteConflictError(item.alertKey, MAX_WRITE_ATTEMPTS);
  } catch (error) {
    logger.warn('could not mark an alert notification sent; it may be published once more', {
      alertKey: item.alertKey,
      error,
    });
  }
}

async function step<T>(key: string, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new AlertUpdateError(`alert ${key}: ${what} failed`, key, { cause: error });
  }
}
