import {
  type AggregateItem,
  type AggregateScope,
  aggregateKey,
  BY_HOUR_INDEX,
  hourOf,
} from '../../shared/aggregates/aggregateItem.ts';
import type { AggregatesCursor, AggregatesQuery } from './aggregatesParams.ts';
import { collectSorted } from './collectSorted.ts';
import { encodeCursor } from './cursor.ts';
import { type QueryReader, queryPages } from './queryReader.ts';

/** One window's aggregate as the API shows it: no table internals (pk, hour, shards, version, TTL). */
export interface AggregateView {
  type: string;
  source?: string;
  window: string;
  count: number;
  valueCount: number;
  sum: number;
  min?: number;
  max?: number;
  firstEventTime: string;
  lastEventTime: string;
}

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
 * One page of aggregates, sorted by window then type. With a scope it queries that key's windows;
 * without, every type through the byHour index, one hour partition after the other.
 *
 * @example
 * await queryAggregates({ from, to, limit: 500 }, { documents, table: 'aggregates' });
 */
export async function queryAggregates(query: AggregatesQuery, deps: AggregatesDeps): Promise<AggregatesPage> {
  const pages = query.scope ? keyPages(query, query.scope, deps) : hourPages(query, deps);
  const { items, more } = await collectSorted(pages, query.limit, (item) => item.window, byWindowThenType);
  const last = items[items.length - 1];
  return {
    items: items.map(toAggregateView),
    ...(more && last && { nextCursor: encodeCursor(cursorAfter(last, query.scope === undefined)) }),
  };
}

/** The windows of one key, after the cursor's window. */
async function* keyPages(query: AggregatesQuery, scope: AggregateScope, deps: AggregatesDeps) {
  const lo = query.after ? maxIso(query.from, nextMillisecond(query.after.window)) : query.from;
  if (lo > query.to) return;
  yield* queryPages<AggregateItem>(deps.documents, {
    TableName: deps.table,
    KeyConditionExpression: '#pk = :pk AND #window BETWEEN :lo AND :hi',
    ExpressionAttributeNames: { '#pk': 'pk', '#window': 'window' },
    ExpressionAttributeValues: { ':pk': aggregateKey(scope), ':lo': lo, ':hi': query.to },
    Limit: query.limit + 1,
  });
}

/** Every type's windows, hour partition by hour partition, after the cursor's (window, type). */
async function* hourPages(query: AggregatesQuery, deps: AggregatesDeps) {
  const after = query.after;
  const lo = after ? maxIso(query.from, after.window) : query.from;
  if (lo > query.to) return;
  for (const hour of hoursBetween(lo, query.to)) {
    const pages = queryPages<AggregateItem>(deps.documents, {
      TableName: deps.table,
      IndexName: BY_HOUR_INDEX,
      KeyConditionExpression: '#hour = :hour AND #window BETWEEN :lo AND :hi',
      ExpressionAttributeNames: { '#hour': 'hour', '#window': 'window' },
      ExpressionAttributeValues: { ':hour': hour, ':lo': lo, ':hi': query.to },
      Limit: query.limit + 1,
    });
    for await (const items of pages) {
      yield after ? items.filter((item) => isAfter(item, after)) : items;
    }
  }
}

/** `YYYY-MM-DDTHH` of every hour from the one holding `from` to the one holding `to`. */
export function hoursBetween(from: string, to: string): string[] {
  const hours: string[] = [];
  for (let t = Date.parse(`${hourOf(from)}:00:00.000Z`); t <= Date.parse(to); t += HOUR_MS) {
    hours.push(hourOf(new Date(t).toISOString()));
  }
  return hours;
}

function isAfter(item: AggregateItem, after: AggregatesCursor): boolean {
  return item.window > after.window || (item.window === after.window && 'type' in after && item.type > after.type);
}

function byWindowThenType(a: AggregateItem, b: AggregateItem): number {
  return compareStrings(a.window, b.window) || compareStrings(a.type, b.type);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cursorAfter(item: AggregateItem, allTypes: boolean): AggregatesCursor {
  return allTypes ? { by: 'all', window: item.window, type: item.type } : { by: 'key', window: item.window };
}

const maxIso = (a: string, b: string): string => (a > b ? a : b);
const nextMillisecond = (iso: string): string => new Date(Date.parse(iso) + 1).toISOString();

/** Picks the public attributes, so an attribute added to the table never leaks by accident. */
export function toAggregateView(item: AggregateItem): AggregateView {
  return {
    type: item.type,
    ...(item.source !== undefined && { source: item.source }),
    window: item.window,
    count: item.count,
    valueCount: item.valueCount,
    sum: item.sum,
    ...(item.min !== undefined && { min: item.min }),
    ...(item.max !== undefined && { max: item.max }),
    firstEventTime: item.firstEventTime,
    lastEventTime: item.lastEventTime,
  };
}
