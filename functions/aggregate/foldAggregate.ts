import { type AggregateItem, byHourKey, partSortKey, WINDOW_MS } from '../../shared/aggregates/aggregateItem.ts';
import type { AggregateGroup, Contribution } from './planAggregates.ts';

export interface FoldOptions {
  /** Now, epoch ms: the item's `updatedAt`. */
  nowMs: number;
  /** Days the item is kept after its window ends. */
  ttlDays: number;
}

export interface FoldResult {
  /** The item to write; absent when every contribution was already counted (nothing to write). */
  item?: AggregateItem;
  /** Contributions counted by this fold. */
  folded: Contribution[];
  /** Contributions at or below the part's watermark: counted by an earlier delivery. */
  skipped: Contribution[];
}

const SECONDS_PER_DAY = 86_400;

/**
 * Folds a group (one shard's events of one key and window) into the stored part of that shard (or
 * into a new part), counting only the contributions above the part's watermark, and raises the
 * watermark to the last position counted. `version` goes up by one; the caller writes the result
 * only if the stored part is still at `current.version`.
 *
 * Why a watermark suffices: Lambda delivers a shard's records in order, one batch at a time
 * (ParallelizationFactor 1), and after a failure redelivers from the first failed record onward.
 * So an event at or below the watermark has been counted into this very part.
 *
 * @example
 * const { item, folded, skipped } = foldAggregate(stored, group, { nowMs: Date.now(), ttlDays: 30 });
 */
export function foldAggregate(
  current: AggregateItem | undefined,
  group: AggregateGroup,
  options: FoldOptions,
): FoldResult {
  const folded: Contribution[] = [];
  const skipped: Contribution[] = [];
  for (const contribution of group.contributions) {
    if (contribution.shardId !== group.shardId) {
      throw new Error(`contribution of ${contribution.shardId} in the group of ${group.shardId}`);
    }
    if (current !== undefined && contribution.sequence <= current.watermark) skipped.push(contribution);
    else folded.push(contribution);
  }
  if (folded.length === 0) return { folded, skipped };

  let watermark = current?.watermark ?? '';
  let count = current?.count ?? 0;
  let valueCount = current?.valueCount ?? 0;
  let sum = current?.sum ?? 0;
  let min = current?.min;
  let max = current?.max;
  let firstMs = current ? Date.parse(current.firstEventTime) : Number.POSITIVE_INFINITY;
  let lastMs = current ? Date.parse(current.lastEventTime) : Number.NEGATIVE_INFINITY;
  for (const { sequence, timeMs, value } of folded) {
    if (sequence > watermark) watermark = sequence;
    count += 1;
    firstMs = Math.min(firstMs, timeMs);
    lastMs = Math.max(lastMs, timeMs);
    if (value === undefined) continue;
    valueCount += 1;
    sum += value;
    min = min === undefined ? value : Math.min(min, value);
    max = max === undefined ? value : Math.max(max, value);
  }

  const windowEndSeconds = (Date.parse(group.window) + WINDOW_MS) / 1000;
  const item: AggregateItem = {
    pk: group.pk,
    sk: partSortKey(group.window, group.shardId),
    window: group.window,
    shardId: group.shardId,
    ...(group.source === undefined ? { hour: byHourKey(group.window, group.pk, group.shardId) } : {}),
    type: group.type,
    ...(group.source === undefined ? {} : { source: group.source }),
    count,
    valueCount,
    sum,
    ...(min === undefined ? {} : { min }),
    ...(max === undefined ? {} : { max }),
    firstEventTime: new Date(firstMs).toISOString(),
    lastEventTime: new Date(lastMs).toISOString(),
    watermark,
    version: (current?.version ?? 0) + 1,
    expiresAt: windowEndSeconds + options.ttlDays * SECONDS_PER_DAY,
    updatedAt: new Date(options.nowMs).toISOString(),
  };
  return { item, folded, skipped };
}
