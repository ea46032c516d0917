import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import {
  type AggregateItem,
  aggregateKey,
  BY_HOUR_PARTITIONS,
  byHourKey,
  partSortKey,
} from '../../shared/aggregates/aggregateItem.ts';
import { type AlertItem, alertKey } from '../../shared/alerts/alertItem.ts';
import { toAuthorizerContext } from '../../shared/auth/authorizerContext.ts';
import { lambdaContext } from '../helpers/lambdaContext.ts';
import { createAggregatesTable, createAlertsTable } from '../helpers/resources.ts';

const AGGREGATES = 'query-it-aggregates';
const ALERTS = 'query-it-alerts';
let emulators: Emulators;
let documents: DynamoDBDocumentClient;
let handler: (
  event: unknown,
  context: unknown,
) => Promise<{ statusCode: number; headers?: Record<string, string>; body: string }>;

/** An HTTP API (payload 2.0) GET as API Gateway hands it over behind the request authorizer. */
function aGet(path: '/aggregates' | '/alerts', params: Record<string, string> = {}, authorized = true) {
  const query = new URLSearchParams(params).toString();
  return {
    version: '2.0',
    routeKey: `GET ${path}`,
    rawPath: path,
    rawQueryString: query,
    headers: { authorization: 'Bearer kp_test' },
    ...(query && { queryStringParameters: params }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: `req-${Math.random()}`,
      routeKey: `GET ${path}`,
      stage: '$default',
      time: '',
      timeEpoch: Date.now(),
      ...(authorized && {
        authorizer: { lambda: toAuthorizerContext({ producer: 'dashboard', sources: ['web'] }) },
      }),
    },
  };
}

async function get(path: '/aggregates' | '/alerts', params: Record<string, string> = {}, authorized = true) {
  const response = await handler(aGet(path, params, authorized), lambdaContext('query'));
  // biome-ignore lint/suspicious/noExplicitAny: bodies are checked field by field
  return { ...response, json: JSON.parse(response.body) as any };
}

/** Follows nextCursor to the end; returns every page. */
async function allPages(path: '/aggregates' | '/alerts', params: Record<string, string>) {
  // biome-ignore lint/suspicious/noExplicitAny: bodies are checked field by field
  const pages: any[] = [];
  let cursor: string | undefined;
  do {
    const { statusCode, json } = await get(path, { ...params, ...(cursor && { cursor }) });
    expect(statusCode, JSON.stringify(json)).toBe(200);
    pages.push(json);
    cursor = json.nextCursor;
    expect(pages.length).toBeLessThan(100);
  } while (cursor);
  return pages;
}

async function putAll(table: string, items: object[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    const chunk = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    await documents.send(new BatchWriteCommand({ RequestItems: { [table]: chunk } }));
  }
}

async function createTables(client: DynamoDBClient): Promise<void> {
  await createAggregatesTable(client, AGGREGATES);
  await createAlertsTable(client, ALERTS);
}

const shardIdOf = (n: number) => `shardId-${String(n).padStart(12, '0')}`;

/**
 * A stored aggregate as the aggregate consumer writes it, internals included: `count` events spread
 * over up to `shards` shards' parts (the first parts take the remainder), each part's sum 10 per
 * event, its min 1 and its max its own count, so the totals are `count`, `10 * count`, 1 and the
 * largest part's count.
 */
function anAggregate(type: string, window: string, count: number, source?: string, shards = 3): AggregateItem[] {
  const pk = aggregateKey(source === undefined ? { type } : { type, source });
  const parts = Math.min(count, shards);
  return Array.from({ length: parts }, (_, n) => {
    const shardId = shardIdOf(n);
    const partCount = Math.floor(count / parts) + (n < count % parts ? 1 : 0);
    return {
      pk,
      sk: partSortKey(window, shardId),
      window,
      shardId,
      ...(source === undefined && { hour: byHourKey(window, pk, shardId) }),
      type,
      ...(source !== undefined && { source }),
      count: partCount,
      valueCount: partCount,
      sum: partCount * 10,
      min: 1,
      max: partCount,
      firstEventTime: window,
      lastEventTime: window.replace(':00.000Z', n === 0 ? ':59.000Z' : ':30.000Z'),
      watermark: '0'.repeat(130),
      version: 1,
      expiresAt: 2_000_000_000,
      updatedAt: window,
    };
  });
}

const W = (hhmm: string) => `2026-11-25T${hhmm}:00.000Z`;
/** Type-level aggregates over three hours; window 21:00 holds five types (ties in the index). */
const TYPE_ITEMS: AggregateItem[][] = [
  anAggregate('page_view', W('20:58'), 1),
  anAggregate('error', W('20:59'), 2),
  ...['zeta', 'alpha', 'page_view', 'error', 'click'].map((type, i) => anAggregate(type, W('21:00'), 10 + i)),
  anAggregate('error', W('21:30'), 3),
  anAggregate('page_view', W('21:59'), 4),
  anAggregate('click', W('22:00'), 5),
  anAggregate('error', W('22:01'), 6),
];
const OUTSIDE = [anAggregate('error', W('20:57'), 99), anAggregate('error', W('22:02'), 99)];
const SOURCE_ITEMS = [anAggregate('error', W('21:00'), 7, 'shop#eu'), anAggregate('error', W('21:30'), 8, 'shop#eu')];
/**
 * A busy stream: 12 types, each seen by all 32 shards in four windows over two hours, far from the
 * windows above. Type i has 32 × (i + 1) events in each window, i + 1 per shard.
 */
const MANY_TYPES = Array.from({ length: 12 }, (_, i) => `type_${String(i).padStart(2, '0')}`);
const MANY_WINDOWS = ['10:00', '10:01', '10:59', '11:00'].map((hhmm) => `2026-11-26T${hhmm}:00.000Z`);
const MANY_SHARDS = MANY_WINDOWS.flatMap((window) =>
  MANY_TYPES.map((type, i) => anAggregate(type, window, 32 * (i + 1), undefined, 32)),
);
/** The first part of each aggregate: its type and window. */
const firstParts = (aggregates: AggregateItem[][]) => aggregates.flatMap((parts) => parts.slice(0, 1));
const RANGE = { from: '2026-11-25T20:58:00Z', to: '2026-11-25T22:01:00Z' };

const PUBLIC_AGGREGATE_KEYS = [
  'count',
  'firstEventTime',
  'lastEventTime',
  'max',
  'min',
  'sum',
  'type',
  'valueCount',
  'window',
].sort();

const byWindowThenType = (a: AggregateItem, b: AggregateItem) =>
  a.window === b.window ? (a.type < b.type ? -1 : 1) : a.window < b.window ? -1 : 1;

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

function anAlert(ruleId: string, group: string, fields: Partial<AlertItem>): AlertItem {
  return {
    alertKey: alertKey(ruleId, 'source', group),
    ruleId,
    severity: 'critical',
    groupBy: 'source',
    group,
    firedCount: 1,
    recent: [{ id: 'evt-1', t: Date.now() }],
    notification: 'sent',
    version: 2,
    updatedAt: minutesAgo(0),
    ...fields,
  };
}

const sameInstant = minutesAgo(5);
const ALERT_ITEMS: AlertItem[] = [
  anAlert('error-burst', 'shop', {
    state: 'firing',
    changedAt: minutesAgo(1),
    firedAt: minutesAgo(1),
    matchedCount: 6,
  }),
  anAlert('error-burst', 'cart', {
    state: 'resolved',
    changedAt: minutesAgo(2),
    firedAt: minutesAgo(10),
    resolvedAt: minutesAgo(2),
  }),
  // Three alerts changed in the same millisecond: a tie the listing orders by alertKey.
  anAlert('error-burst', 'b', { state: 'firing', changedAt: sameInstant, firedAt: sameInstant }),
  anAlert('error-burst', 'a', { state: 'resolved', changedAt: sameInstant, resolvedAt: sameInstant }),
  anAlert('error-burst', 'c', { state: 'firing', changedAt: sameInstant, firedAt: sameInstant }),
  anAlert('slow-checkout', 'web', { state: 'firing', changedAt: minutesAgo(60 * 30), firedAt: minutesAgo(60 * 30) }),
  // Never fired: only evaluation state, not in the byState index.
  anAlert('error-burst', 'quiet', {}),
];

beforeAll(async () => {
  emulators = await startEmulators();
  Object.assign(process.env, emulators.env, { AGGREGATES_TABLE: AGGREGATES, ALERTS_TABLE: ALERTS });
  // Clients read their endpoints on first use, so import them only now.
  const clients = await import('../../shared/aws/clients.ts');
  documents = clients.dynamoDbDocumentClient();
  await createTables(clients.dynamoDbClient());
  await putAll(AGGREGATES, [...TYPE_ITEMS, ...OUTSIDE, ...SOURCE_ITEMS, ...MANY_SHARDS].flat());
  await putAll(ALERTS, ALERT_ITEMS);
  handler = (await import('../../functions/query/handler.ts')).handler as unknown as typeof handler;
});

afterAll(async () => {
  await emulators?.stop();
});

describe('GET /aggregates against dynalite', () => {
  it('lists every type in the range by window then type, in one page', async () => {
    const { statusCode, json } = await get('/aggregates', RANGE);
    expect(statusCode).toBe(200);
    const expected = firstParts(TYPE_ITEMS).sort(byWindowThenType);
    expect(json.items.map((item: AggregateItem) => [item.window, item.type])).toEqual(
      expected.map((item) => [item.window, item.type]),
    );
    expect(json.nextCursor).toBeUndefined();
    for (const item of json.items) expect(Object.keys(item).sort()).toEqual(PUBLIC_AGGREGATE_KEYS);
    expect(json.items[0]).toEqual({
      type: 'page_view',
      window: W('20:58'),
      count: 1,
      valueCount: 1,
      sum: 10,
      min: 1,
      max: 1,
      firstEventTime: W('20:58'),
      lastEventTime: '2026-11-25T20:58:59.000Z',
    });
  });

  it.each([1, 2, 3, 4])(
    'pages through hour partitions and tied windows with limit %i, nothing lost or repeated',
    async (limit) => {
      const pages = await allPages('/aggregates', { ...RANGE, limit: String(limit) });
      expect(pages.every((page) => page.items.length <= limit)).toBe(true);
      expect(pages.slice(0, -1).every((page) => page.items.length === limit)).toBe(true);
      const seen = pages.flatMap((page) => page.items.map((item: AggregateItem) => `${item.window} ${item.type}`));
      expect(seen).toEqual(
        firstParts(TYPE_ITEMS)
          .sort(byWindowThenType)
          .map((item) => `${item.window} ${item.type}`),
      );
    },
  );

  it('includes windows starting exactly at from and at to, and none outside', async () => {
    const { json } = await get('/aggregates', { from: '2026-11-25T20:59:00Z', to: '2026-11-25T21:00:00Z' });
    expect(json.items.map((item: AggregateItem) => `${item.window} ${item.type}`)).toEqual([
      `${W('20:59')} error`,
      `${W('21:00')} alpha`,
      `${W('21:00')} click`,
      `${W('21:00')} error`,
      `${W('21:00')} page_view`,
      `${W('21:00')} zeta`,
    ]);
  });

  it('reads one type from its own key, paginated', async () => {
    const pages = await allPages('/aggregates', { ...RANGE, type: 'error', limit: '2' });
    expect(pages.map((page) => page.items.map((item: AggregateItem) => item.window))).toEqual([
      [W('20:59'), W('21:00')],
      [W('21:30'), W('22:01')],
    ]);
    expect(pages.flatMap((page) => page.items).every((item: AggregateItem) => item.source === undefined)).toBe(true);
  });

  it('reads one type and source, with the source in each item', async () => {
    const { json } = await get('/aggregates', { ...RANGE, type: 'error', source: 'shop#eu' });
    expect(json.items.map((item: AggregateItem) => [item.window, item.source, item.count])).toEqual([
      [W('21:00'), 'shop#eu', 7],
      [W('21:30'), 'shop#eu', 8],
    ]);
    expect(json.items[0]).toMatchObject({ sum: 70, min: 1, max: 3, lastEventTime: '2026-11-25T21:00:59.000Z' });
  });

  it('finds an item at the far end of a 7-day range (169 hour partitions)', async () => {
    const { json } = await get('/aggregates', { from: '2026-11-18T22:02:00Z', to: '2026-11-25T22:02:00Z', limit: '1' });
    // The first 166 hour partitions are empty: the page is found in the last three.
    expect(json.items.map((item: AggregateItem) => item.window)).toEqual([W('20:57')]);
    const last = await allPages('/aggregates', { from: '2026-11-18T22:02:00Z', to: '2026-11-25T22:02:00Z' });
    expect(last.flatMap((page) => page.items)).toHaveLength(TYPE_ITEMS.length + OUTSIDE.length);
  });

  it('spreads the type-level parts of an hour over every byHour index partition, evenly', () => {
    const perPartition = new Map<string, number>();
    for (const part of MANY_SHARDS.flat().filter((part) => part.window.startsWith('2026-11-26T10'))) {
      perPartition.set(part.hour ?? '', (perPartition.get(part.hour ?? '') ?? 0) + 1);
    }
    expect([...perPartition.keys()].sort()).toEqual(
      Array.from({ length: BY_HOUR_PARTITIONS }, (_, n) => `2026-11-26T10#${n}`),
    );
    // 3 windows × 12 types × 32 shards: 1,152 parts, 144 a partition if spread perfectly.
    const mean = (3 * 12 * 32) / BY_HOUR_PARTITIONS;
    for (const count of perPartition.values()) expect(Math.abs(count - mean)).toBeLessThan(mean * 0.25);
  });

  it.each([7, 1000])(
    'reads every type of a 32-shard stream back from all index partitions, each window summed once (limit %i)',
    async (limit) => {
      const range = { from: '2026-11-26T10:00:00Z', to: '2026-11-26T11:00:00Z' };
      const items = (await allPages('/aggregates', { ...range, limit: String(limit) })).flatMap((page) => page.items);
      const expected = MANY_WINDOWS.flatMap((window) =>
        MANY_TYPES.map((type, i) => ({
          type,
          window,
          count: 32 * (i + 1),
          valueCount: 32 * (i + 1),
          sum: 320 * (i + 1),
          min: 1,
          max: i + 1,
          firstEventTime: window,
          lastEventTime: window.replace(':00.000Z', ':59.000Z'),
        })),
      );
      expect(items).toEqual(expected);
    },
  );

  it('answers 400 with a clear message for bad parameters and foreign cursors', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ source: 'shop' }, /source: only together with type/],
      [{ from: '2026-11-01T00:00:00Z', to: '2026-11-25T00:00:00Z' }, /more than 7 days/],
      [{ limit: '5000' }, /limit: at most 1000/],
      [{ cursor: 'eyJ4IjoxfQ' }, /cursor: not a cursor this API returned/],
    ];
    for (const [params, message] of cases) {
      const { statusCode, json } = await get('/aggregates', params);
      expect(statusCode, JSON.stringify(params)).toBe(400);
      expect(json).toMatchObject({ code: 'bad_request', message: expect.stringMatching(message) });
    }
    const typed = await get('/aggregates', { ...RANGE, type: 'error', limit: '1' });
    const { statusCode, json } = await get('/aggregates', { ...RANGE, cursor: typed.json.nextCursor });
    expect(statusCode).toBe(400);
    expect(json.message).toMatch(/cursor: belongs to a query with type/);
  });

  it('answers 401 without an authorized caller', async () => {
    const { statusCode, json } = await get('/aggregates', RANGE, false);
    expect(statusCode).toBe(401);
    expect(json.code).toBe('unauthorized');
  });
});

describe('GET /alerts against dynalite', () => {
  const keysOf = (items: AlertItem[]) => items.map((item) => item.alertKey);
  const newestFirst = [
    alertKey('error-burst', 'source', 'shop'),
    alertKey('error-burst', 'source', 'cart'),
    alertKey('error-burst', 'source', 'a'),
    alertKey('error-burst', 'source', 'b'),
    alertKey('error-burst', 'source', 'c'),
  ];

  it('lists firing and resolved alerts of the last 24 hours, newest first, without evaluation state', async () => {
    const { statusCode, json } = await get('/alerts');
    expect(statusCode).toBe(200);
    expect(keysOf(json.items)).toEqual(newestFirst);
    expect(json.nextCursor).toBeUndefined();
    expect(json.items[0]).toEqual({
      alertKey: alertKey('error-burst', 'source', 'shop'),
      ruleId: 'error-burst',
      severity: 'critical',
      groupBy: 'source',
      group: 'shop',
      state: 'firing',
      changedAt: ALERT_ITEMS[0]?.changedAt,
      firedAt: ALERT_ITEMS[0]?.firedAt,
      firedCount: 1,
      matchedCount: 6,
    });
  });

  it('filters by state', async () => {
    const firing = await get('/alerts', { state: 'firing' });
    expect(keysOf(firing.json.items)).toEqual(newestFirst.filter((key) => !/=(cart|a)$/.test(key)));
    const resolved = await get('/alerts', { state: 'resolved' });
    expect(keysOf(resolved.json.items)).toEqual([
      alertKey('error-burst', 'source', 'cart'),
      alertKey('error-burst', 'source', 'a'),
    ]);
  });

  it('reaches back as far as since says', async () => {
    const { json } = await get('/alerts', { since: minutesAgo(60 * 31) });
    expect(keysOf(json.items)).toEqual([...newestFirst, alertKey('slow-checkout', 'source', 'web')]);
    const recent = await get('/alerts', { since: minutesAgo(3) });
    expect(keysOf(recent.json.items)).toEqual(newestFirst.slice(0, 2));
  });

  it.each([1, 2, 3])('pages through both states and tied timestamps with limit %i', async (limit) => {
    const pages = await allPages('/alerts', { limit: String(limit) });
    expect(pages.slice(0, -1).every((page) => page.items.length === limit)).toBe(true);
    expect(pages.flatMap((page) => keysOf(page.items))).toEqual(newestFirst);
  });

  it('answers 400 for bad parameters and 401 without an authorized caller', async () => {
    const bad = await get('/alerts', { since: minutesAgo(60 * 24 * 31) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json.message).toMatch(/since: at most 30 days ago/);
    expect((await get('/alerts', { state: 'open' })).statusCode).toBe(400);
    expect((await get('/alerts', {}, false)).statusCode).toBe(401);
  });
});
