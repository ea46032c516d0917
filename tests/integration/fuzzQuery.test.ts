import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../local/emulators.ts';
import { loadLocalLambda } from '../../local/lambda/localLambda.ts';
import type { Invoke } from '../../local/lambda/types.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { aPostEventsRequest } from '../helpers/events.ts';
import { getAllPages, postEvents, startTestPipeline } from '../helpers/localPipeline.ts';

/**
 * Property-based fuzzing of GET /aggregates and GET /alerts: random parameter names and values,
 * repeated parameters, encodings, huge limits, bad cursors, malformed dates. Through the local
 * HTTP API and, for volume, straight into the query function with the event the API builds.
 * Always 200 with items or 400 with a JSON message; never a 5xx or a function error.
 */

const QUERY = 'QueryLambdaFunction';
const ROUTES = ['/aggregates', '/alerts'] as const;
const DAY_MS = 86_400_000;

let runtime: LocalRuntime;
let invoke: Invoke;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  runtime = await startTestPipeline('fuzz-query');
  ({ invoke } = await loadLocalLambda(runtime.app.functions.filter((fn) => fn.logicalId === QUERY)));
  // Something to page through: aggregates of three types, and an error burst the shipped rule fires on.
  const now = Date.now();
  const events = [
    ...Array.from({ length: 60 }, (_, i) => ({
      type: ['page_view', 'click', 'purchase'][i % 3],
      source: `src-${i % 4}`,
      time: new Date(now - i * 30_000).toISOString(),
      value: i,
    })),
    ...Array.from({ length: 6 }, (_, i) => ({
      type: 'error',
      source: 'checkout',
      time: new Date(now - i * 1_000).toISOString(),
    })),
  ];
  expect((await postEvents(runtime.endpoints, JSON.stringify(events))).status).toBe(200);
  await pollUntil(
    async () =>
      ((await getAllPages(runtime.endpoints, '/aggregates')).length >= 3 &&
        (await getAllPages(runtime.endpoints, '/alerts')).length >= 1) ||
      undefined,
    { timeoutMs: 30_000, intervalMs: 250, what: 'seeded aggregates and alerts' },
  );
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await runtime?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

const knownName = fc.constantFrom('type', 'source', 'from', 'to', 'limit', 'cursor', 'state', 'since');
const oddName = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'LIMIT',
  'type ',
  'cursor[]',
  'from.to',
  '',
);
const instant = fc.oneof(
  fc
    .date({ min: new Date(Date.now() - 40 * DAY_MS), max: new Date(Date.now() + DAY_MS), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2026-02-30T00:00:00Z',
    '2026-02-31T23:59:59+01:00',
    '2026-13-01T00:00:00Z',
    '2026-11-25T24:00:00Z',
    '2026-11-25T23:60:00Z',
    '2026-11-25T21:04:00+24:00',
    '2026-11-25T21:04:00+23:59',
    '2026-11-25',
    '21:04:00Z',
    '+275760-09-13T00:00:00.000Z',
    '-000001-01-01T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
    '1970-01-01T00:00:00Z',
    '2026-11-25T21:04:00.123456789Z',
    '2026-11-25T21:04:00z',
    '2026-11-25 21:04:00Z',
    'now',
    '1732568640000',
  ),
);
const limit = fc.oneof(
  fc.integer({ min: -10, max: 2_000 }).map(String),
  fc.constantFrom('99999999999999999999', '9999999', '1e3', '0x10', ' 10', '10.0', '+5', '٣', '1,2', ''),
);
const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const cursor = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.base64String({ maxLength: 80 }),
  fc.jsonValue({ maxDepth: 3 }).map((value) => base64url(JSON.stringify(value))),
  fc
    .record(
      {
        by: fc.constantFrom('key', 'all', 'other'),
        window: instant,
        type: fc.string({ maxLength: 40 }),
        changedAt: instant,
        alertKey: fc.string({ maxLength: 40 }),
      },
      { requiredKeys: [] },
    )
    .map((position) => base64url(JSON.stringify(position))),
  fc.constantFrom(base64url('{"by":"key","window":"2026-11-25T21:04:00.000Z"'), 'x'.repeat(3_000), '==', 'a.b'),
);
const anyValue = fc.oneof(
  fc.string({ maxLength: 60, unit: 'grapheme' }),
  fc.constantFrom('page_view', 'click', 'error', 'src-1', 'checkout', 'firing', 'resolved', 'FIRING', 'x'.repeat(300)),
  instant,
  limit,
  cursor,
);

/** Parameter pairs, names repeated or not, as a client might put them in a query string. */
const paramPairs = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.tuple(knownName, anyValue) },
    { weight: 1, arbitrary: fc.tuple(fc.oneof(oddName, fc.string({ maxLength: 12, unit: 'grapheme' })), anyValue) },
  ),
  { maxLength: 6 },
);

/** As API Gateway delivers them: decoded, repeats joined with commas, every name an own property. */
function toQueryParameters(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string> | undefined {
  const joined = new Map<string, string>();
  for (const [name, value] of pairs) {
    const earlier = joined.get(name);
    joined.set(name, earlier === undefined ? value : `${earlier},${value}`);
  }
  return joined.size > 0 ? Object.fromEntries(joined) : undefined;
}

async function invokeQuery(path: string, params: Record<string, string> | undefined) {
  const event = {
    ...aPostEventsRequest({ producer: 'fuzz', sources: ['*'] }),
    routeKey: `GET ${path}`,
    rawPath: path,
    ...(params && { queryStringParameters: params }),
  };
  const result = await invoke(QUERY, event);
  if (!result.ok)
    throw new Error(`function error for ${path} ${JSON.stringify(params)}: ${JSON.stringify(result.error)}`);
  const response = result.response as { statusCode: number; body: string };
  return { status: response.statusCode, json: JSON.parse(response.body) as Json };
}

/** 200 with a page of items, or 400 naming the problem. */
function expectPageOrBadRequest({ status, json }: { status: number; json: Json }, what: string): void {
  expect([200, 400], `${what}: ${status} ${JSON.stringify(json).slice(0, 300)}`).toContain(status);
  if (status === 200) {
    expect(Array.isArray(json.items), what).toBe(true);
    if (json.nextCursor !== undefined) expect(json.nextCursor, what).toMatch(/^[A-Za-z0-9_-]+$/);
  } else {
    expect(json.code, what).toBe('bad_request');
    expect(json.message, what).toMatch(/\S/);
  }
}

const stats = { direct: 0, http: 0, pages: 0, ok: 0 };

describe('GET /aggregates and GET /alerts fuzz', () => {
  it('answers any parameters with 200 or a 400 message (query function)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), paramPairs, async (path, pairs) => {
        const answer = await invokeQuery(path, toQueryParameters(pairs));
        expectPageOrBadRequest(answer, `${path} ${JSON.stringify(pairs)}`);
        stats.direct += 1;
        if (answer.status === 200) stats.ok += 1;
      }),
      { numRuns: 400 },
    );
  });

  /** How a client may spell a name or value in a query string, malformed escapes included. */
  const encoded = (text: string) =>
    fc
      .constantFrom('uri', 'plus', 'raw', 'double', 'broken')
      .map((how) =>
        how === 'uri'
          ? encodeURIComponent(text)
          : how === 'plus'
            ? encodeURIComponent(text).replaceAll('%20', '+')
            : how === 'double'
              ? encodeURIComponent(encodeURIComponent(text))
              : how === 'broken'
                ? `${encodeURIComponent(text)}%E0%A4%A%zz%`
                : text.replace(/[#\s]/g, ''),
      );

  it('answers any query string over HTTP with 200 or a 400 JSON message', async () => {
    const rawQuery = paramPairs.chain((pairs) =>
      pairs.length === 0
        ? fc.constant('')
        : fc
            .tuple(...pairs.map(([name, value]) => fc.tuple(encoded(name), encoded(value))))
            .map((parts) => parts.map(([name, value]) => `${name}=${value}`).join('&')),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), rawQuery, async (path, query) => {
        const response = await fetch(`${runtime.endpoints.httpApi}${path}?${query}`, {
          headers: { authorization: `Bearer ${runtime.endpoints.token}` },
        });
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expectPageOrBadRequest({ status: response.status, json: await response.json() }, `${path}?${query}`);
        stats.http += 1;
      }),
      { numRuns: 80 },
    );
  });

  it('follows nextCursor page by page: every page 200, no item twice', async () => {
    const params = fc.record(
      {
        type: fc.constantFrom('page_view', 'click', 'purchase', 'error'),
        limit: fc.integer({ min: 1, max: 4 }).map(String),
        state: fc.constantFrom('firing', 'resolved'),
      },
      { requiredKeys: ['limit'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), params, async (path, { type, state, limit: size }) => {
        const base =
          path === '/aggregates' ? { ...(type && { type }), limit: size } : { ...(state && { state }), limit: size };
        const seen = new Set<string>();
        let next: string | undefined;
        let pages = 0;
        do {
          const answer = await invokeQuery(path, { ...base, ...(next && { cursor: next }) });
          expect(answer.status, JSON.stringify(answer.json)).toBe(200);
          for (const item of answer.json.items) {
            const key = JSON.stringify([item.type, item.window, item.alertKey]);
            expect(seen.has(key), key).toBe(false);
            seen.add(key);
          }
          next = answer.json.nextCursor;
          pages += 1;
        } while (next && pages < 50);
        stats.pages += pages;
      }),
      { numRuns: 12 },
    );
  });

  it('left no unhandled rejection behind', () => {
    expect(unhandled).toEqual([]);
    console.log(
      `fuzz query: ${stats.direct} direct (${stats.ok} answered 200), ${stats.http} over HTTP, ${stats.pages} pages followed`,
    );
  });
});
