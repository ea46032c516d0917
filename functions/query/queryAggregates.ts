import {
  type AggregateItem,
  type AggregateScope,
  type AggregateTotals,
  aggregateKey,
  BY_HOUR_INDEX,
  byHourKeys,
  hourOf,
  partSortKeyRange,
  sumAggregateParts,
} from '../../shared/aggregates/aggregateItem.ts';
import { type QueryReader, queryPages } from '../../shared/aws/queryPages.ts';
import type { AggregatesCursor, AggregatesQuery } from './aggregatesParams.ts';
import { collectSorted } from './collectSorted.ts';
import { encodeCursor } from './cursor.ts';
import { mergeByWindow } from './mergeByWindow.ts';

/** One window's aggregate as the API shows it: its parts summed, no table internals (keys, shard, watermark, version, TTL). */
export type AggregateView = AggregateTotals;

export interface AggregatesPage {
  items: AggregateView[];
  /** Present when more items follow; pass it back as `cursor` with the same parameters. */
  nextCursor?: string;
}

export interface AggregatesDeps {
  documents: QueryReader;
  table: string;
}

const HOUR_MS = 3_600_000;
/**
 * Parts read per DynamoDB call. A window of a busy type has a part per shard, so a page of the API
 * needs many parts; 1,000 small parts are a few hundred KB, under the 1 MB a call returns anyway.
 */
const PARTS_PER_CALL = 1_000;

/**
 * One page of aggregates, sorted by window then type, each the sum of its shards' parts. With a
 * scope it queries that key's parts; without, every type's through the byHour index, one hour after
 * the other, each hour's index partitions read side by side and merged in window order.
 *
 * @example
 * await queryAggregates({ from, to, limit: 500 }, { documents, table: 'aggregates' });
 */
export async function queryAggregates(query: AggregatesQuery, deps: AggregatesDeps): Promise<AggregatesPage> {
  const windows = query.scope ? keyWindows(query, query.scope, deps) : hourWindows(query, deps);
  const { items, more } = await collectSorted(windows, query.limit, (item) => item.window, byWindowThenType);
  const last = items[items.length - 1];
  return {
    items,
    ...(more && last && { nextCursor: encodeCursor(cursorAfter(last, query.scope === undefined)) }),
  };
}

/** The windows of one key after the cursor's window, one at a time, its parts summed. */
async function* keyWindows(query: AggregatesQuery, scope: AggregateScope, deps: AggregatesDeps) {
  const from = query.after ? maxIso(query.from, nextMillisecond(query.after.window)) : query.from;
  if (from > query.to) return;
  const { lo, hi } = partSortKeyRange(from, query.to);
  const parts = queryPages<AggregateItem>(deps.documents, {
    TableName: deps.table,
    KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
    ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
    ExpressionAttributeValues: { ':pk': aggregateKey(scope), ':lo': lo, ':hi': hi },
    Limit: PARTS_PER_CALL,
  });
  for await (const window of mergeByWindow([parts])) yield [sumAggregateParts(window)];
}

/** Every type's windows, hour by hour, after the cursor's (window, type): one window at a time, each type's parts summed. */
async function* hourWindows(query: AggregatesQuery, deps: AggregatesDeps) {
  const after = query.after;
  const lo = after ? maxIso(query.from, after.window) : query.from;
  if (lo > query.to) return;
  for (const hour of hoursBetween(lo, query.to)) {
    const partitions = byHourKeys(hour).map((partition) =>
      queryPages<AggregateItem>(deps.documents, {
        TableName: deps.table,
        IndexName: BY_HOUR_INDEX,
        KeyConditionExpression: '#hour = :hour AND #window BETWEEN :lo AND :hi',
        ExpressionAttributeNames: { '#hour': 'hour', '#window': 'window' },
        ExpressionAttributeValues: { ':hour': partition, ':lo': lo, ':hi': query.to },
        Limit: PARTS_PER_CALL,
      }),
    );
    for await (const window of mergeByWindow(partitions)) {
      const types = sumByKey(window);
      yield after ? types.filter((item) => isAfter(item, after)) : types;
    }
  }
}

/** The parts of one window summed per key (`pk`). */
function sumByKey(parts: readonly AggregateItem[]): AggregateTotals[] {
  const byKey = new Map<string, AggregateItem[]>();
  for (const part of parts) {
    const same = byKey.get(part.pk);
    if (same) same.push(part);
    else byKey.set(part.pk, [part]);
  }
  return [...byKey.values()].map(sumAggregateParts);
}

/** `YYYY-MM-DDTHH` of every hour from the one holding `from` to the one holding `to`. */
export function hoursBetween(from: string, to: string): string[] {
  const hours: string[] = [];
  for (let t = Date.parse(`${hourOf(from)}:00:00.000Z`); t <= Date.parse(to); t += HOUR_MS) {
    hours.push(hourOf(new Date(t).toISOString()));
  }
  return hours;
}

function isAfter(item: AggregateTotals, after: AggregatesCursor): boolean {
  return item.window > after.window || (item.window === after.window && 'type' in after && item.type > after.type);
}

function byWindowThenType(a: AggregateTotals, b: AggregateTotals): number {
  return compareStrings(a.window, b.window) || compareStrings(a.type, b.type);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cursorAfter(item: AggregateTotals, allTypes: boolean): AggregatesCursor {
  return allTypes ? { by: 'all', window: item.window, type: item.type } : { by: 'key', window: item.window };
}

const maxIso = (a: string, b: string): string => (a > b ? a : b);
const nextMillisecond = (iso: string): string => new Date(Date.parse(iso) + 1).toISOString();
