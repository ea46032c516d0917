import { type AggregateItem, hourOf, WINDOW_MS } from '../../shared/aggregates/aggregateItem.ts';
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
  /** Contributions at or below their shard's watermark: counted by an earlier delivery. */
  skipped: Contribution[];
}

const SECONDS_PER_DAY = 86_400;

/**
 * Folds a group into the stored item of its key and window (or into a new item), counting only the
 * contributions above the item's watermark for their shard, and raises the watermarks to the highest
 * sequence number counted. `version` goes up by one; the caller writes the result only if the
 * stored item is still at `current.version`.
 *
 * Why a watermark suffices: Lambda delivers a shard's records in order, one batch at a time
 * (ParallelizationFactor 1), and after a failure redelivers from the first failed record onward.
 * So a record at or below the watermark of its shard has been counted into this very item.
 *
 * @example
 * const { item, folded, skipped } = foldAggregate(stored, group, { nowMs: Date.now(), ttlDays: 30 });
 */
export function foldAggregate(
  current: AggregateItem | undefined,
  group: AggregateGroup,
  options: FoldOptions,
): FoldResult {
  const watermarks = current?.shards ?? {};
  const folded: Contribution[] = [];
  const skipped: Contribution[] = [];
  for (const contribution of group.contributions) {
    const watermark = watermarks[contribution.shardId];
    if (watermark !== undefined && contribution.sequence <= watermark) skipped.push(contribution);
    else folded.push(contribution);
  }
  if (folded.length === 0) return { folded, skipped };

  const shards = { ...watermarks };
  let count = current?.count ?? 0;
  let valueCount = current?.valueCount ?? 0;
  let sum = current?.sum ?? 0;
  let min = current?.min;
  let max = current?.max;
  let firstMs = current ? Date.parse(current.firstEventTime) : Number.POSITIVE_INFINITY;
  let lastMs = current ? Date.parse(current.lastEventTime) : Number.NEGATIVE_INFINITY;
  for (const { shardId, sequence, timeMs, value } of folded) {
    const watermark = shards[shardId];
    if (watermark === undefined || sequence > watermark) shards[shardId] = sequence;
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
    window: group.window,
    ...(group.source === undefined ? { hour: hourOf(group.window) } : {}),
    type: group.type,
    ...(group.source === undefined ? {} : { source: group.source }),
    count,
    valueCount,
    sum,
    ...(min === undefined ? {} : { min }),
    ...(max === undefined ? {} : { max }),
    firstEventTime: new Date(firstMs).toISOString(),
    lastEventTime: new Date(lastMs).toISOString(),
    shards,
    version: (current?.version ?? 0) + 1,
    expiresAt: windowEndSeconds + options.ttlDays * SECONDS_PER_DAY,
    updatedAt: new Date(options.nowMs).toISOString(),
  };
  return { item, folded, skipped };
}
