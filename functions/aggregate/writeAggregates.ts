import { setTimeout as sleep } from 'node:timers/promises';
import type { AggregateItem } from '../../shared/aggregates/aggregateItem.ts';
import { mapConcurrent } from '../../shared/async/mapConcurrent.ts';
import { logger } from '../../shared/observability/powertools.ts';
import {
  type AggregateTable,
  isConditionalCheckFailed,
  itemKeyId,
  partKey,
  putAggregate,
  readAggregate,
  readAggregates,
} from './aggregateTable.ts';
import { AggregateWriteError } from './errors.ts';
import { foldAggregate } from './foldAggregate.ts';
import type { AggregateGroup, Contribution } from './planAggregates.ts';

export interface WriteOptions {
  /** Days an item is kept after its window ends. */
  ttlDays: number;
  /** Epoch ms, for `updatedAt`. */
  now: () => number;
  /** Items written at once. Default 16. */
  concurrency?: number;
  /**
   * Attempts per part when another writer changed it in between (read, fold, put). Default 3: a
   * part has one writer, its shard's batch, so a conflict only comes from an overlap the event
   * source mapping never makes (an operator's replay of the same shard running beside it).
   */
  attempts?: number;
  /** Backoff after a conflict: up to `min(maxDelayMs, baseDelayMs * 2^(attempt-1))`, full jitter. Default 20. */
  baseDelayMs?: number;
  /** Cap of one backoff. Default 320 ms. */
  maxDelayMs?: number;
}

/** What happened to one group's item. */
export type WriteOutcome =
  | {
      group: AggregateGroup;
      status: 'written' | 'unchanged';
      folded: Contribution[];
      skipped: Contribution[];
      conflicts: number;
    }
  | { group: AggregateGroup; status: 'failed'; error: AggregateWriteError; conflicts: number };

const DEFAULTS = Object.freeze({ concurrency: 16, attempts: 3, baseDelayMs: 20, maxDelayMs: 320 });

/**
 * Writes every group into its shard's part with optimistic locking: one consistent batch read up
 * front, then per part fold (only events above its watermark) and a conditional put. A part with
 * nothing new is not written. When the put's condition fails (someone else wrote the part since it
 * was read, which the event source mapping never does), the part is read again and folded again,
 * up to `attempts` times.
 * Never throws: an item that could not be written comes back `failed` with the reason, so the
 * caller can fail exactly its records.
 *
 * @example
 * const outcomes = await writeAggregates(plan.groups, table, { ttlDays: 30, now: Date.now });
 */
export async function writeAggregates(
  groups: readonly AggregateGroup[],
  table: AggregateTable,
  options: WriteOptions,
): Promise<WriteOutcome[]> {
  const settings: Required<WriteOptions> = {
    ttlDays: options.ttlDays,
    now: options.now,
    concurrency: options.concurrency ?? DEFAULTS.concurrency,
    attempts: options.attempts ?? DEFAULTS.attempts,
    baseDelayMs: options.baseDelayMs ?? DEFAULTS.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULTS.maxDelayMs,
  };
  const stored = await readAggregates(table, groups.map(partKey));
  return mapConcurrent(groups, settings.concurrency, (group) => {
    const id = itemKeyId(partKey(group));
    return writeGroup(group, stored.has(id) ? { item: stored.get(id) } : undefined, table, settings);
  });
}

/** `prefetched` is the batch read's answer for the item, undefined when that read did not cover it. */
async function writeGroup(
  group: AggregateGroup,
  prefetched: { item: AggregateItem | undefined } | undefined,
  table: AggregateTable,
  settings: Required<WriteOptions>,
): Promise<WriteOutcome> {
  let conflicts = 0;
  let current = prefetched?.item;
  let fresh = prefetched !== undefined;
  const failed = (message: string, cause?: unknown): WriteOutcome => {
    const error = new AggregateWriteError(message, group.pk, group.window, { cause });
    logger.error('aggregate write failed; its records are reported failed', {
      error,
      pk: group.pk,
      window: group.window,
    });
    return { group, status: 'failed', error, conflicts };
  };
  for (let attempt = 1; attempt <= settings.attempts; attempt += 1) {
    try {
      if (!fresh) current = await readAggregate(table, partKey(group));
      fresh = false;
      const { item, folded, skipped } = foldAggregate(current, group, {
        nowMs: settings.now(),
        ttlDays: settings.ttlDays,
      });
      if (item === undefined) return { group, status: 'unchanged', folded, skipped, conflicts };
      await putAggregate(table, item, current?.version);
      return { group, status: 'written', folded, skipped, conflicts };
    } catch (error) {
      // Anything but a lost race (read failed, stored item unreadable, put refused) fails the item.
      if (!isConditionalCheckFailed(error)) {
        return failed(`could not update aggregate ${group.pk} ${group.window}`, error);
      }
      conflicts += 1;
      fresh = false;
      logger.debug('aggregate changed since read; reading it again', { pk: group.pk, window: group.window, attempt });
      if (attempt < settings.attempts)
        await sleep(Math.random() * Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1)));
    }
  }
  return failed(`aggregate ${group.pk} ${group.window} still changed under us after ${settings.attempts} attempts`);
}
