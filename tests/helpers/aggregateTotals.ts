import { type AttributeValue, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type AggregateItem, sumAggregateParts } from '../../shared/aggregates/aggregateItem.ts';

/** Count, value count, sum, min and max: what the aggregates consumer keeps per window and key. */
export interface Totals {
  count: number;
  valueCount: number;
  sum: number;
  min?: number;
  max?: number;
}

/** One item of GET /aggregates. */
export interface AggregateView extends Totals {
  type: string;
  source?: string;
  window: string;
}

/**
 * The totals the aggregates must reach for these events, per key (e.g. per type).
 *
 * @example
 * const expected = totalsBy(accepted, (event) => event.type);
 */
export function totalsBy<E extends { value?: number }>(
  events: readonly E[],
  keyOf: (event: E) => string,
): Map<string, Totals> {
  const totals = new Map<string, Totals>();
  for (const event of events) {
    const key = keyOf(event);
    const entry = totals.get(key) ?? { count: 0, valueCount: 0, sum: 0 };
    entry.count += 1;
    if (event.value !== undefined) {
      entry.valueCount += 1;
      entry.sum += event.value;
      entry.min = Math.min(entry.min ?? event.value, event.value);
      entry.max = Math.max(entry.max ?? event.value, event.value);
    }
    totals.set(key, entry);
  }
  return totals;
}

/**
 * Folds the per-window aggregates of the query API into totals per key.
 *
 * @example
 * const byType = foldWindows(await getAllPages<AggregateView>(endpoints, '/aggregates?...'), (item) => item.type);
 */
export function foldWindows(
  items: readonly AggregateView[],
  keyOf: (item: AggregateView) => string,
): Map<string, Totals> {
  const totals = new Map<string, Totals>();
  for (const item of items) {
    const key = keyOf(item);
    const entry = totals.get(key) ?? { count: 0, valueCount: 0, sum: 0 };
    entry.count += item.count;
    entry.valueCount += item.valueCount;
    entry.sum += item.sum;
    if (item.min !== undefined) entry.min = Math.min(entry.min ?? item.min, item.min);
    if (item.max !== undefined) entry.max = Math.max(entry.max ?? item.max, item.max);
    totals.set(key, entry);
  }
  return totals;
}

/**
 * Stored aggregate parts summed per key and window, without their bookkeeping (shard, watermark,
 * version, TTL), sorted by key then window, for comparing with the totals expected from the events.
 *
 * @example
 * expect(storedTotals(await scanTable(table))).toEqual(expectedTotals(events));
 */
export function storedTotals(parts: readonly object[]) {
  const byKey = new Map<string, AggregateItem[]>();
  for (const part of parts as unknown as readonly AggregateItem[]) {
    const id = `${part.pk} ${part.window}`;
    byKey.set(id, [...(byKey.get(id) ?? []), part]);
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, same]) => {
      const { type: _type, source: _source, ...totals } = sumAggregateParts(same);
      return { pk: same[0]?.pk, ...totals };
    });
}

/**
 * Takes one from a stored aggregate part's `count`, its watermark left as it is: what a record the
 * watermark skipped leaves behind (an undercount a plain replay cannot see).
 *
 * @example
 * await takeOneFromCount(dynamodb, endpoints.tables.AggregatesTable ?? '', { pk: { S: 'T#x' }, sk: { S: '…' } });
 */
export async function takeOneFromCount(
  dynamodb: Pick<DynamoDBClient, 'send'>,
  table: string,
  key: Record<string, AttributeValue>,
): Promise<void> {
  await dynamodb.send(
    new UpdateItemCommand({
      TableName: table,
      Key: key,
      UpdateExpression: 'SET #c = #c - :one',
      ExpressionAttributeNames: { '#c': 'count' },
      ExpressionAttributeValues: { ':one': { N: '1' } },
    }),
  );
}
