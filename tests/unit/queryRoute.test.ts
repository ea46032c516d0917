import type { QueryCommand, QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { collectSorted } from '../../functions/query/collectSorted.ts';
import { decodeCursor, encodeCursor } from '../../functions/query/cursor.ts';
import { hoursBetween } from '../../functions/query/queryAggregates.ts';
import { type QueryRequest, routeQuery, UnknownRouteError } from '../../functions/query/routeQuery.ts';
import { aggregateKey, BY_HOUR_PARTITIONS } from '../../shared/aggregates/aggregateItem.ts';
import { toAuthorizerContext } from '../../shared/auth/authorizerContext.ts';
import type { QueryReader } from '../../shared/aws/queryPages.ts';
import { UnauthorizedError } from '../../shared/errors.ts';
import { errorResponse } from '../../shared/http/errorResponse.ts';

const NOW = Date.parse('2026-11-25T21:04:37.120Z');

/** Answers every Query with the next canned page and remembers what was asked. */
function fakeReader(pages: Array<Record<string, unknown>[]>) {
  const inputs: QueryCommand['input'][] = [];
  const reader: QueryReader = {
    async send(command: QueryCommand): Promise<QueryCommandOutput> {
      inputs.push(command.input);
      return { Items: pages.shift() ?? [], $metadata: {} };
    },
  };
  return { reader, inputs };
}

const deps = (reader: QueryReader) => ({
  documents: reader,
  aggregatesTable: 'aggregates',
  alertsTable: 'alerts',
  now: () => NOW,
});

function request(routeKey: string, params?: Record<string, string>, authorized = true): QueryRequest {
  return {
    routeKey,
    ...(params && { queryStringParameters: params }),
    requestContext: authorized
      ? { authorizer: { lambda: toAuthorizerContext({ producer: 'web', sources: ['*'] }) } }
      : {},
  };
}

const storedAggregate = {
  pk: aggregateKey({ type: 'error', source: 'shop' }),
  sk: '2026-11-25T21:00:00.000Z#shardId-000000000000',
  window: '2026-11-25T21:00:00.000Z',
  shardId: 'shardId-000000000000',
  type: 'error',
  source: 'shop',
  count: 2,
  valueCount: 0,
  sum: 0,
  firstEventTime: '2026-11-25T21:00:01Z',
  lastEventTime: '2026-11-25T21:00:09Z',
  watermark: '0'.repeat(130),
  version: 3,
  expiresAt: 1_900_000_000,
  updatedAt: '2026-11-25T21:00:10Z',
};

describe('routeQuery', () => {
  it('answers GET /aggregates with one type and source from that key, without table internals', async () => {
    const { reader, inputs } = fakeReader([[storedAggregate]]);
    const response = await routeQuery(request('GET /aggregates', { type: 'error', source: 'shop' }), deps(reader));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['cache-control']).toBe('no-store');
    expect(JSON.parse(response.body)).toEqual({
      items: [
        {
          type: 'error',
          source: 'shop',
          window: '2026-11-25T21:00:00.000Z',
          count: 2,
          valueCount: 0,
          sum: 0,
          firstEventTime: '2026-11-25T21:00:01Z',
          lastEventTime: '2026-11-25T21:00:09Z',
        },
      ],
    });
    expect(inputs).toEqual([
      expect.objectContaining({
        TableName: 'aggregates',
        ExpressionAttributeValues: {
          ':pk': 'TS#error#shop',
          ':lo': '2026-11-25T20:04:37.120Z',
          ':hi': '2026-11-25T21:04:37.120Z$',
        },
      }),
    ]);
    expect(inputs[0]?.IndexName).toBeUndefined();
  });

  it('answers GET /aggregates without type from the byHour index, one query per index partition of each hour', async () => {
    const { reader, inputs } = fakeReader([]);
    const response = await routeQuery(request('GET /aggregates'), deps(reader));
    expect(JSON.parse(response.body)).toEqual({ items: [] });
    expect(inputs.map((input) => [input.IndexName, input.ExpressionAttributeValues?.[':hour']])).toEqual(
      ['2026-11-25T20', '2026-11-25T21'].flatMap((hour) =>
        Array.from({ length: BY_HOUR_PARTITIONS }, (_, n) => ['byHour', `${hour}#${n}`]),
      ),
    );
  });

  it('answers GET /alerts from the byState index, both states newest first', async () => {
    const { reader, inputs } = fakeReader([]);
    await routeQuery(request('GET /alerts'), deps(reader));
    expect(
      inputs.map((input) => [input.TableName, input.IndexName, input.ExpressionAttributeValues?.[':state']]),
    ).toEqual([
      ['alerts', 'byState', 'firing'],
      ['alerts', 'byState', 'resolved'],
    ]);
    expect(inputs.every((input) => input.ScanIndexForward === false)).toBe(true);
  });

  it('refuses a request without the authorizer context, before reading anything', async () => {
    const { reader, inputs } = fakeReader([]);
    const refused = routeQuery(request('GET /alerts', {}, false), deps(reader));
    await expect(refused).rejects.toThrow(UnauthorizedError);
    expect(inputs).toEqual([]);
    expect(errorResponse(await refused.catch((e: unknown) => e)).statusCode).toBe(401);
  });

  it('maps bad parameters to 400 and an unknown route to 500', async () => {
    const { reader } = fakeReader([]);
    const bad = await routeQuery(request('GET /alerts', { state: 'open' }), deps(reader)).catch((e: unknown) => e);
    expect(errorResponse(bad)).toMatchObject({ statusCode: 400 });
    expect(JSON.parse(errorResponse(bad).body)).toMatchObject({ code: 'bad_request', message: /state/ });
    const unknown = await routeQuery(request('GET /events'), deps(reader)).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(UnknownRouteError);
    expect(errorResponse(unknown).statusCode).toBe(500);
  });

  it.each([
    ['GET /aggregates', 'type=a&type=b', { type: 'a,b' }, /^type: given 2 times; each parameter may be given once$/],
    ['GET /alerts', 'state=firing&state=resolved', { state: 'firing,resolved' }, /^state: given 2 times/],
    ['GET /aggregates', 'type=a&limit=5&t%79pe=b&limit=6', { type: 'a,b', limit: '5,6' }, /^type: .*; limit: /],
  ])(
    'refuses %s?%s with a 400 naming the repeated parameter, before reading anything',
    async (routeKey, rawQueryString, params, message) => {
      // API Gateway (payload 2.0) joins a repeated parameter's values with commas; only rawQueryString shows the repeat.
      const { reader, inputs } = fakeReader([]);
      const refused = await routeQuery({ ...request(routeKey, params), rawQueryString }, deps(reader)).catch(
        (e: unknown) => e,
      );
      expect(errorResponse(refused).statusCode).toBe(400);
      expect(JSON.parse(errorResponse(refused).body)).toEqual({
        code: 'bad_request',
        message: expect.stringMatching(message),
        results: [],
      });
      expect(inputs).toEqual([]);
    },
  );

  it('takes a comma inside one value as that value, not as a repeat', async () => {
    const { reader, inputs } = fakeReader([[]]);
    const response = await routeQuery(
      { ...request('GET /aggregates', { type: 'a,b' }), rawQueryString: 'type=a%2Cb' },
      deps(reader),
    );
    expect(response.statusCode).toBe(200);
    expect(inputs[0]?.ExpressionAttributeValues).toMatchObject({ ':pk': aggregateKey({ type: 'a,b' }) });
  });
});

describe('cursors', () => {
  it('round-trip as URL-safe text', () => {
    const position = { by: 'all', window: '2026-11-25T21:00:00.000Z', type: 'a/b+c?d' };
    const text = encodeCursor(position);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text, z.object({ by: z.string(), window: z.string(), type: z.string() }))).toEqual(position);
  });
});

describe('hoursBetween', () => {
  it('lists every hour partition from the one holding from to the one holding to', () => {
    expect(hoursBetween('2026-11-25T22:59:00.000Z', '2026-11-26T00:00:00.000Z')).toEqual([
      '2026-11-25T22',
      '2026-11-25T23',
      '2026-11-26T00',
    ]);
    expect(hoursBetween('2026-11-18T21:00:00.000Z', '2026-11-25T21:00:00.000Z')).toHaveLength(169);
  });
});

describe('collectSorted', () => {
  async function* pagesOf<T>(...pages: T[][]) {
    for (const page of pages) yield page;
  }
  type Row = { w: string; t: string };
  const byWT = (a: Row, b: Row) => (a.w === b.w ? (a.t < b.t ? -1 : 1) : a.w < b.w ? -1 : 1);

  it('reads past the limit until the tied group is complete, then sorts it', async () => {
    const pages = pagesOf<Row>(
      [
        { w: '1', t: 'b' },
        { w: '2', t: 'z' },
        { w: '2', t: 'm' },
      ],
      [{ w: '2', t: 'a' }],
      [{ w: '3', t: 'a' }],
      [{ w: '4', t: 'never read' }],
    );
    const page = await collectSorted(pages, 2, (row) => row.w, byWT);
    expect(page).toEqual({
      items: [
        { w: '1', t: 'b' },
        { w: '2', t: 'a' },
      ],
      more: true,
    });
  });

  it('says there is no more when the pages end at the limit', async () => {
    const page = await collectSorted(pagesOf<Row>([{ w: '1', t: 'a' }], [{ w: '1', t: 'b' }]), 2, (r) => r.w, byWT);
    expect(page.more).toBe(false);
    expect(page.items).toHaveLength(2);
  });
});
