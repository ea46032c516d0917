import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.ts';
import { startTestPipeline } from '../helpers/localPipeline.ts';

/**
 * The query API's answers that are not pages, through the local pipeline's HTTP API as a script
 * or the dashboard meets them: a parameter given twice is a 400 naming it (API Gateway would pass
 * it on comma-joined, as one value); API Gateway's own 401 and 404, before any function runs, are
 * `{"message": ...}` alone, exactly as the README shows them.
 */

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestPipeline('query-answers');
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

async function get(pathAndQuery: string, { token = runtime.endpoints.token, method = 'GET' } = {}) {
  const response = await fetch(`${runtime.endpoints.httpApi}${pathAndQuery}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

describe('GET /aggregates and GET /alerts with a parameter given twice', () => {
  it.each([
    ['/aggregates?type=page_view&type=click', 'type'],
    ['/aggregates?type=page_view&source=web&source=ios', 'source'],
    ['/aggregates?limit=10&limit=20', 'limit'],
    ['/alerts?state=firing&state=resolved', 'state'],
    ['/alerts?since=2026-01-01T00:00:00Z&since=2026-01-02T00:00:00Z', 'since'],
  ])('%s is a 400 naming %s', async (path, name) => {
    const answer = await get(path);
    expect(answer.status, answer.text).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({
      code: 'bad_request',
      message: `${name}: given 2 times; each parameter may be given once`,
      results: [],
    });
  });

  it('takes a comma sent inside one value as part of it', async () => {
    const answer = await get('/aggregates?type=page_view%2Cclick');
    expect(answer.status, answer.text).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ items: [] });
  });
});

describe("API Gateway's own answers on the query routes", () => {
  it.each(['/aggregates', '/alerts'])(
    'GET %s without a token, or with an unknown one: 401 {"message":"Unauthorized"}',
    async (path) => {
      for (const token of ['', 'kp_not-a-real-token']) {
        const answer = await get(path, { token });
        expect(answer).toEqual({ status: 401, contentType: 'application/json', text: '{"message":"Unauthorized"}' });
      }
    },
  );

  it.each([
    ['GET', '/aggregate'],
    ['POST', '/aggregates'],
    ['GET', '/alerts/firing'],
    ['DELETE', '/alerts'],
  ])('%s %s, which no route serves: 404 {"message":"Not Found"}, token or not', async (method, path) => {
    for (const token of [runtime.endpoints.token, '']) {
      const answer = await get(path, { method, token });
      expect(answer).toEqual({ status: 404, contentType: 'application/json', text: '{"message":"Not Found"}' });
    }
  });
});
