import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalAuthorizer, LocalRoute } from '../../local/app/model.ts';
import type { AuthorizerEventV2 } from '../../local/httpApi/events.ts';
import { type HttpApi, HttpApiConfigError, type HttpApiOptions, startHttpApi } from '../../local/httpApi/httpApi.ts';
import { MAX_PAYLOAD_BYTES } from '../../local/httpApi/requestBody.ts';
import type { Invoke } from '../../local/lambda/types.ts';

// The local API Gateway HTTP API over real loopback HTTP, with plain async functions behind the
// Invoke contract: each test can see exactly which functions ran and with which event.

type IntegrationEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<Record<string, unknown>>;
type FakeFunction = (event: never) => unknown;

/** Thrown by a fake function: reported as Lambda reports a function error (a timeout when `timedOut`). */
class FunctionError extends Error {
  constructor(
    message: string,
    readonly timedOut = false,
  ) {
    super(message);
    this.name = timedOut ? 'Sandbox.Timedout' : 'Error';
  }
}

function fakeLambda(functions: Record<string, FakeFunction>) {
  const calls: { id: string; event: unknown }[] = [];
  const invoke: Invoke = async (id, event) => {
    calls.push({ id, event });
    const fn = functions[id];
    if (!fn) throw new Error(`no function ${id}`);
    const started = performance.now();
    try {
      const response = await fn(event as never);
      return { ok: true, response, durationMs: performance.now() - started, requestId: randomUUID() };
    } catch (thrown) {
      const error = thrown as Error;
      const timedOut = error instanceof FunctionError && error.timedOut;
      return {
        ok: false,
        error: { errorType: error.name, errorMessage: error.message, timedOut },
        durationMs: performance.now() - started,
        requestId: randomUUID(),
      };
    }
  };
  const eventsOf = <T = IntegrationEvent>(id: string) => calls.filter((c) => c.id === id).map((c) => c.event as T);
  return { invoke, calls, eventsOf };
}

const running: HttpApi[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((api) => api.close()));
});

async function start(routes: LocalRoute[], functions: Record<string, FakeFunction>, options?: Partial<HttpApiOptions>) {
  const lambda = fakeLambda(functions);
  const lines: string[] = [];
  const api = await startHttpApi({ routes, invoke: lambda.invoke, log: (line) => lines.push(line), ...options });
  running.push(api);
  return { api, lambda, lines };
}

const route = (routeKey: string, functionLogicalId: string, authorizer?: LocalAuthorizer): LocalRoute => ({
  routeKey,
  functionLogicalId,
  payloadFormatVersion: '2.0',
  ...(authorizer && { authorizer }),
});

const tokenAuthorizer = (resultTtlSeconds = 0): LocalAuthorizer => ({
  name: 'tokenAuthorizer',
  functionLogicalId: 'Authorizer',
  identitySource: ['$request.header.Authorization'],
  enableSimpleResponses: true,
  payloadFormatVersion: '2.0',
  resultTtlSeconds,
});

/** node:http, for what fetch cannot send: repeated header lines and Cookie headers. */
function rawRequest(
  url: string,
  options: { method?: string; headers?: string[]; agent?: Agent } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string; socket: NodeJS.Socket }> {
  return new Promise((resolve, reject) => {
    // A raw header list replaces Node's defaults, Host included.
    const headers = options.headers && ['Host', new URL(url).host, ...options.headers];
    const req = httpRequest(url, { method: options.method ?? 'GET', headers, agent: options.agent });
    let socket: NodeJS.Socket | undefined;
    req.on('socket', (s) => {
      socket = s;
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
          socket: socket ?? res.socket,
        }),
      );
    });
    req.end();
  });
}

/** A promise the test settles itself: a function that is still running. */
function pending() {
  let release: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

const echoRoute = (name: string) => (event: IntegrationEvent) => ({
  fn: name,
  routeKey: event.routeKey,
  pathParameters: event.pathParameters ?? null,
});

describe('routing by route key', () => {
  // Declared least specific first, so the order of the list cannot be what picks the winner.
  const routes = [
    route('$default', 'Default'),
    route('ANY /{proxy+}', 'RootGreedy'),
    route('GET /pets/{proxy+}', 'PetsGreedy'),
    route('ANY /pets', 'AnyPets'),
    route('GET /pets', 'GetPets'),
    route('GET /pets/dog/{id}', 'DogById'),
    route('GET /pets/dog/1', 'FirstDog'),
  ];
  const functions = Object.fromEntries(routes.map((r) => [r.functionLogicalId, echoRoute(r.functionLogicalId)]));

  it.each([
    { request: 'GET /pets/dog/1', fn: 'FirstDog', pathParameters: null },
    { request: 'GET /pets/dog/2', fn: 'DogById', pathParameters: { id: '2' } },
    { request: 'GET /pets/cat/1', fn: 'PetsGreedy', pathParameters: { proxy: 'cat/1' } },
    { request: 'POST /pets/dog/1', fn: 'RootGreedy', pathParameters: { proxy: 'pets/dog/1' } },
    { request: 'GET /pets', fn: 'GetPets', pathParameters: null },
    { request: 'DELETE /pets', fn: 'AnyPets', pathParameters: null },
    { request: 'GET /', fn: 'Default', pathParameters: null },
  ])('$request goes to $fn', async ({ request, fn, pathParameters }) => {
    const { api } = await start(routes, functions);
    const [method, path] = request.split(' ');
    const res = await fetch(`${api.url}${path}`, { method });
    expect(res.status).toBe(200);
    const routeKey = routes.find((r) => r.functionLogicalId === fn)?.routeKey;
    expect(await res.json()).toEqual({ fn, routeKey, pathParameters });
  });

  it('answers 404 {"message":"Not Found"} when no route matches and there is no $default', async () => {
    const { api, lambda } = await start([route('GET /pets', 'GetPets')], { GetPets: () => 'pets' });
    for (const [method, path] of [
      ['GET', '/nope'],
      ['POST', '/pets'],
      ['GET', '/pets/'],
    ]) {
      const res = await fetch(`${api.url}${path}`, { method });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('apigw-requestid')).toMatch(/^[A-Za-z0-9_-]{15}=$/);
      expect(await res.text()).toBe('{"message":"Not Found"}');
    }
    expect(lambda.calls).toEqual([]);
  });

  it('serves a named stage under its prefix, which rawPath keeps', async () => {
    const { api, lambda } = await start([route('GET /pets', 'GetPets')], { GetPets: () => 'pets' }, { stage: 'dev' });
    expect(api.url).toMatch(/\/dev$/);
    expect((await fetch(`${api.url}/pets`)).status).toBe(200);
    expect((await fetch(`${api.url.replace(/\/dev$/, '')}/pets`)).status).toBe(404);
    const [event] = lambda.eventsOf('GetPets');
    expect(event?.rawPath).toBe('/dev/pets');
    expect(event?.requestContext.http.path).toBe('/dev/pets');
    expect(event?.requestContext.stage).toBe('dev');
  });

  it.each([
    { what: 'payload format 1.0', routes: [{ ...route('GET /a', 'A'), payloadFormatVersion: '1.0' }] },
    { what: 'a greedy variable before the end', routes: [route('GET /{proxy+}/a', 'A')] },
    { what: 'a malformed route key', routes: [route('/a', 'A')] },
    { what: 'a duplicate route key', routes: [route('GET /a', 'A'), route('GET /a', 'B')] },
    {
      what: 'an IAM-policy authorizer',
      routes: [route('GET /a', 'A', { ...tokenAuthorizer(), enableSimpleResponses: false })],
    },
  ])('refuses to start with $what', async ({ routes }) => {
    await expect(startHttpApi({ routes, invoke: fakeLambda({}).invoke })).rejects.toThrow(HttpApiConfigError);
  });
});

describe('the payload format 2.0 event', () => {
  const NOW = Date.UTC(2026, 10, 5, 9, 5, 7, 123);
  const api = { accountId: '123456789012', apiId: 'testapi', region: 'eu-west-1', now: () => NOW };

  it('carries lower-cased headers, joined repeats, query strings, cookies, path parameters and the request context', async () => {
    const { api: http, lambda } = await start([route('GET /items/{id}', 'Items')], { Items: () => 'ok' }, api);
    const res = await rawRequest(`${http.url}/items/caf%C3%A9?a=1&a=2&b=x+y&c=%2F&empty`, {
      headers: [
        'X-Multi',
        'one',
        'X-Multi',
        'two',
        'Cookie',
        's=1; t=2',
        'Cookie',
        'u=3',
        'User-Agent',
        'test-agent/1',
      ],
    });
    expect(res.status).toBe(200);
    const [event] = lambda.eventsOf('Items');
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /items/{id}',
      rawPath: '/items/caf%C3%A9',
      rawQueryString: 'a=1&a=2&b=x+y&c=%2F&empty',
      cookies: ['s=1', 't=2', 'u=3'],
      queryStringParameters: { a: '1,2', b: 'x y', c: '/', empty: '' },
      pathParameters: { id: 'café' },
      isBase64Encoded: false,
    });
    expect(event?.headers).toMatchObject({
      'x-multi': 'one,two',
      'user-agent': 'test-agent/1',
      host: `127.0.0.1:${http.port}`,
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-port': String(http.port),
      'x-forwarded-proto': 'http',
    });
    expect(event?.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(Object.keys(event?.headers ?? {}).filter((name) => name !== name.toLowerCase())).toEqual([]);
    expect(event?.headers).not.toHaveProperty('cookie');
    expect(event).not.toHaveProperty('body');
    expect(event?.requestContext).toEqual({
      accountId: '123456789012',
      apiId: 'testapi',
      domainName: `127.0.0.1:${http.port}`,
      domainPrefix: '127.0.0.1',
      http: {
        method: 'GET',
        path: '/items/caf%C3%A9',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test-agent/1',
      },
      requestId: res.headers['apigw-requestid'],
      routeKey: 'GET /items/{id}',
      stage: '$default',
      time: '05/Nov/2026:09:05:07 +0000',
      timeEpoch: NOW,
    });
  });

  it('leaves out cookies, query parameters and path parameters when there are none, and gives each request its own id', async () => {
    const { api: http, lambda } = await start([route('GET /items', 'Items')], { Items: () => 'ok' });
    const first = await fetch(`${http.url}/items`);
    const second = await fetch(`${http.url}/items`);
    const events = lambda.eventsOf('Items');
    expect(events[0]?.rawQueryString).toBe('');
    for (const field of ['cookies', 'queryStringParameters', 'pathParameters', 'body']) {
      expect(events[0]).not.toHaveProperty(field);
    }
    expect(events[0]?.requestContext.requestId).toBe(first.headers.get('apigw-requestid'));
    expect(events[1]?.requestContext.requestId).toBe(second.headers.get('apigw-requestid'));
    expect(events[0]?.requestContext.requestId).not.toBe(events[1]?.requestContext.requestId);
  });

  const json = Buffer.from('{"type":"page_view","source":"web"}');
  it.each<{ name: string; headers: Record<string, string>; body: Buffer; text: boolean }>([
    { name: 'JSON', headers: { 'content-type': 'application/json' }, body: json, text: true },
    { name: 'XML', headers: { 'content-type': 'application/xml' }, body: Buffer.from('<a/>'), text: true },
    { name: 'JavaScript', headers: { 'content-type': 'application/javascript' }, body: json, text: true },
    { name: '+json', headers: { 'content-type': 'application/cloudevents+json' }, body: json, text: false },
    { name: 'NDJSON', headers: { 'content-type': 'application/x-ndjson' }, body: json, text: false },
    { name: 'JSON Lines', headers: { 'content-type': 'application/jsonl' }, body: json, text: false },
    {
      name: 'text/plain',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: Buffer.from('hé'),
      text: true,
    },
    {
      name: 'octet-stream',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([0, 255]),
      text: false,
    },
    { name: 'no Content-Type', headers: {}, body: json, text: false },
    {
      name: 'form-urlencoded',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from('a=1'),
      text: false,
    },
    {
      name: 'gzip-encoded JSON',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(json),
      text: false,
    },
  ])('passes a $name body as text: $text (else base64)', async ({ headers, body, text }) => {
    const { api: http, lambda } = await start([route('POST /events', 'Ingest')], { Ingest: () => 'ok' });
    expect((await fetch(`${http.url}/events`, { method: 'POST', headers, body })).status).toBe(200);
    const [event] = lambda.eventsOf('Ingest');
    expect(event?.isBase64Encoded).toBe(!text);
    expect(event?.body).toBe(text ? body.toString('utf8') : body.toString('base64'));
  });

  it('hands a gzip body over byte for byte, so the function can inflate it', async () => {
    const { api: http, lambda } = await start([route('POST /events', 'Ingest')], { Ingest: () => 'ok' });
    const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
    await fetch(`${http.url}/events`, { method: 'POST', headers, body: gzipSync(json) });
    const [event] = lambda.eventsOf('Ingest');
    expect(gunzipSync(Buffer.from(event?.body ?? '', 'base64')).toString()).toBe(json.toString());
  });

  it('passes a text body that is not valid UTF-8 base64-encoded, so the function sees the exact bytes', async () => {
    const { api: http, lambda } = await start([route('POST /events', 'Ingest')], { Ingest: () => 'ok' });
    // 0xc3 0x28 is a broken two-byte sequence and 0xff is never UTF-8: decoding would turn both into U+FFFD.
    const body = Buffer.concat([Buffer.from('{"note":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    const headers = { 'content-type': 'application/json' };
    expect((await fetch(`${http.url}/events`, { method: 'POST', headers, body })).status).toBe(200);
    const [event] = lambda.eventsOf('Ingest');
    expect(event?.isBase64Encoded).toBe(true);
    expect(Buffer.from(event?.body ?? '', 'base64').equals(body)).toBe(true);
  });

  it('keeps headers and query parameters named like Object.prototype members, as plain JSON keys', async () => {
    const { api: http, lambda } = await start([route('GET /items', 'Items')], { Items: () => 'ok' });
    const query = 'toString=a&constructor=b&__proto__=c&__proto__=d&hasOwnProperty=';
    const res = await rawRequest(`${http.url}/items?${query}`, {
      headers: ['Constructor', 'one', 'Constructor', 'two', '__proto__', 'x', 'toString', 'y'],
    });
    expect(res.status).toBe(200);
    const [event] = lambda.eventsOf('Items');
    expect(Object.getPrototypeOf(event?.headers)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(event?.queryStringParameters)).toBe(Object.prototype);
    expect(Object.entries(event?.headers ?? {})).toEqual(
      expect.arrayContaining([
        ['constructor', 'one,two'],
        ['__proto__', 'x'],
        ['tostring', 'y'],
      ]),
    );
    // JSON.stringify shows own keys only: what Lambda would serialize.
    expect(JSON.stringify(event?.queryStringParameters)).toBe(
      '{"toString":"a","constructor":"b","__proto__":"c,d","hasOwnProperty":""}',
    );
  });
});

describe('the Lambda authorizer', () => {
  const allow = (context: Record<string, unknown> = { producer: 'web' }) => ({ isAuthorized: true, context });
  const post = (url: string, authorization?: string) =>
    fetch(`${url}/events`, { method: 'POST', headers: authorization === undefined ? {} : { authorization } });

  async function startAuthorized(authorizer: FakeFunction, options?: Partial<HttpApiOptions>, ttl = 0) {
    const routes = [route('POST /events', 'Ingest', tokenAuthorizer(ttl))];
    return start(routes, { Authorizer: authorizer, Ingest: () => 'ok' }, options);
  }

  it.each([
    { name: 'missing', authorization: undefined },
    { name: 'empty', authorization: '' },
  ])('answers 401 without invoking anything when the identity source is $name', async ({ authorization }) => {
    const { api, lambda } = await startAuthorized(() => allow());
    const res = await post(api.url, authorization);
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('{"message":"Unauthorized"}');
    expect(lambda.calls).toEqual([]);
  });

  it('reads a query string identity source, case-sensitively', async () => {
    const authorizer = { ...tokenAuthorizer(), identitySource: ['$request.querystring.token'] };
    const { api, lambda } = await start([route('GET /items', 'Items', authorizer)], {
      Authorizer: () => allow(),
      Items: () => 'ok',
    });
    expect((await fetch(`${api.url}/items?Token=abc`)).status).toBe(401);
    expect((await fetch(`${api.url}/items?token=abc`)).status).toBe(200);
    expect(lambda.eventsOf<AuthorizerEventV2>('Authorizer').map((e) => e.identitySource)).toEqual([['abc']]);
  });

  it('answers 401 when an identity source named like an Object.prototype member is missing', async () => {
    const identitySource = ['$request.header.Constructor', '$request.querystring.toString'];
    const { api, lambda } = await start([route('GET /items', 'Items', { ...tokenAuthorizer(), identitySource })], {
      Authorizer: () => allow(),
      Items: () => 'ok',
    });
    expect((await fetch(`${api.url}/items`)).status).toBe(401);
    expect(lambda.calls).toEqual([]);
    expect((await fetch(`${api.url}/items?toString=t`, { headers: { constructor: 'c' } })).status).toBe(200);
    expect(lambda.eventsOf<AuthorizerEventV2>('Authorizer').map((e) => e.identitySource)).toEqual([['c', 't']]);
  });

  it.each([
    { outcome: "a function error 'Unauthorized'", fn: () => Promise.reject(new Error('Unauthorized')), status: 401 },
    { outcome: 'any other function error', fn: () => Promise.reject(new Error('DynamoDB unreachable')), status: 500 },
    { outcome: 'a timeout', fn: () => Promise.reject(new FunctionError('Task timed out', true)), status: 500 },
    { outcome: 'a malformed response', fn: () => ({ allowed: true }), status: 500 },
    { outcome: 'a context that is not an object', fn: () => ({ isAuthorized: true, context: 'web' }), status: 500 },
    { outcome: 'isAuthorized false', fn: () => ({ isAuthorized: false }), status: 403 },
  ])('maps $outcome to $status and never reaches the integration', async ({ fn, status }) => {
    const { api, lambda } = await startAuthorized(fn);
    const res = await post(api.url, 'Bearer t');
    expect(res.status).toBe(status);
    const message = { 401: 'Unauthorized', 403: 'Forbidden', 500: 'Internal Server Error' }[status];
    expect(await res.json()).toEqual({ message });
    expect(lambda.calls.map((c) => c.id)).toEqual(['Authorizer']);
  });

  it('answers 500 when the authorizer does not answer in time', async () => {
    const stuck = pending();
    const { api } = await startAuthorized(() => stuck.promise, { authorizerTimeoutMs: 50 });
    try {
      expect((await post(api.url, 'Bearer t')).status).toBe(500);
    } finally {
      stuck.release();
    }
  });

  it('sends the 2.0 authorizer event and passes its context to requestContext.authorizer.lambda', async () => {
    const context = { producer: 'web', sources: '["web-frontend"]', level: 3 };
    const options = { accountId: '123456789012', apiId: 'testapi', region: 'eu-west-1' };
    const { api, lambda } = await startAuthorized(() => allow(context), options);
    expect((await post(api.url, 'Bearer good')).status).toBe(200);
    const [authorizerEvent] = lambda.eventsOf<AuthorizerEventV2>('Authorizer');
    const [event] = lambda.eventsOf('Ingest');
    expect(authorizerEvent).toMatchObject({
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:testapi/$default/POST/events',
      identitySource: ['Bearer good'],
      routeKey: 'POST /events',
      rawPath: '/events',
      rawQueryString: '',
      headers: { authorization: 'Bearer good' },
      requestContext: { requestId: event?.requestContext.requestId, routeKey: 'POST /events' },
    });
    expect(authorizerEvent).not.toHaveProperty('body');
    expect(authorizerEvent?.requestContext).not.toHaveProperty('authorizer');
    expect(event?.requestContext.authorizer).toEqual({ lambda: context });
  });

  it('caches a decision for resultTtlSeconds per identity, for allowed and denied alike', async () => {
    let now = Date.UTC(2026, 0, 1);
    const { api, lambda, lines } = await startAuthorized(
      (event: AuthorizerEventV2) => ({ isAuthorized: event.identitySource[0] === 'Bearer good' }),
      { now: () => now },
      60,
    );
    const authorizerCalls = () => lambda.eventsOf<AuthorizerEventV2>('Authorizer').map((e) => e.identitySource[0]);
    expect((await post(api.url, 'Bearer good')).status).toBe(200);
    expect((await post(api.url, 'Bearer good')).status).toBe(200);
    expect(authorizerCalls()).toEqual(['Bearer good']);
    expect(lines[1]).toMatch(/ Authorizer\(cached\) Ingest$/);

    expect((await post(api.url, 'Bearer bad')).status).toBe(403);
    expect((await post(api.url, 'Bearer bad')).status).toBe(403);
    expect(authorizerCalls()).toEqual(['Bearer good', 'Bearer bad']);

    now += 60_000;
    expect((await post(api.url, 'Bearer good')).status).toBe(200);
    expect(authorizerCalls()).toEqual(['Bearer good', 'Bearer bad', 'Bearer good']);
  });

  it('caches nothing with a TTL of 0, and never caches errors', async () => {
    const uncached = await startAuthorized(() => allow(), {}, 0);
    await post(uncached.api.url, 'Bearer good');
    await post(uncached.api.url, 'Bearer good');
    expect(uncached.lambda.eventsOf('Authorizer')).toHaveLength(2);

    const failing = await startAuthorized(() => Promise.reject(new Error('Unauthorized')), {}, 60);
    expect((await post(failing.api.url, 'Bearer gone')).status).toBe(401);
    expect((await post(failing.api.url, 'Bearer gone')).status).toBe(401);
    expect(failing.lambda.eventsOf('Authorizer')).toHaveLength(2);
  });
});

describe('response mapping', () => {
  const answering = (response: FakeFunction, options?: Partial<HttpApiOptions>) =>
    start([route('GET /r', 'Fn')], { Fn: response }, options);

  it('uses statusCode, headers and cookies (one Set-Cookie each, a Set-Cookie header kept) of a structured response', async () => {
    const { api } = await answering(() => ({
      statusCode: 201,
      headers: { 'content-type': 'text/plain', 'x-custom': 'yes', 'x-count': 2, 'Set-Cookie': 'h=0' },
      multiValueHeaders: { 'x-multi': ['a', 'b'] },
      cookies: ['a=1; Path=/', 'b=2; HttpOnly'],
      body: 'created',
    }));
    const res = await fetch(`${api.url}/r`);
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('x-custom')).toBe('yes');
    expect(res.headers.get('x-count')).toBe('2');
    expect(res.headers.get('x-multi')).toBeNull();
    expect(res.headers.getSetCookie()).toEqual(['h=0', 'a=1; Path=/', 'b=2; HttpOnly']);
    expect(res.headers.get('apigw-requestid')).toMatch(/^[A-Za-z0-9_-]{15}=$/);
    expect(await res.text()).toBe('created');
  });

  it('passes on response headers named like Object.prototype members', async () => {
    // As Lambda hands it over: parsed JSON, where `__proto__` is an ordinary own key.
    const { api } = await answering(() =>
      JSON.parse('{"statusCode":200,"headers":{"__proto__":"p","constructor":"c"},"body":"ok"}'),
    );
    const res = await fetch(`${api.url}/r`);
    expect(res.headers.get('__proto__')).toBe('p');
    expect(res.headers.get('constructor')).toBe('c');
  });

  it('decodes a base64 body when isBase64Encoded is true', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x10]);
    const { api } = await answering(() => ({
      statusCode: 200,
      headers: { 'content-type': 'image/png' },
      isBase64Encoded: true,
      body: bytes.toString('base64'),
    }));
    const res = await fetch(`${api.url}/r`);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
  });

  it.each([
    { returned: { message: 'Hello from Lambda!' }, body: '{"message":"Hello from Lambda!"}' },
    { returned: 'Hello from Lambda!', body: 'Hello from Lambda!' },
    { returned: [1, 2], body: '[1,2]' },
    { returned: undefined, body: 'null' },
  ])('answers 200 application/json with $body for a response without statusCode', async ({ returned, body }) => {
    const { api } = await answering(() => returned);
    const res = await fetch(`${api.url}/r`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe(body);
  });

  it.each([
    { name: 'a statusCode that is not a number', returned: { statusCode: '200', body: 'x' } },
    { name: 'a body that is not a string', returned: { statusCode: 200, body: { a: 1 } } },
    { name: 'a header value HTTP cannot carry', returned: { statusCode: 200, headers: { 'x-a': 'a\nb' } } },
    { name: 'cookies that are not strings', returned: { statusCode: 200, cookies: [1] } },
  ])('answers 500 for a structured response with $name', async ({ returned }) => {
    const { api } = await answering(() => returned);
    const res = await fetch(`${api.url}/r`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{"message":"Internal Server Error"}');
  });

  it.each([
    { name: 'a function error', error: new FunctionError('boom') },
    { name: "the function's own timeout", error: new FunctionError('Task timed out after 3.00 seconds', true) },
  ])('answers 500 {"message":"Internal Server Error"} for $name', async ({ error }) => {
    const { api } = await answering(() => Promise.reject(error));
    const res = await fetch(`${api.url}/r`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('answers 503 {"message":"Service Unavailable"} when the integration outlasts its timeout', async () => {
    const stuck = pending();
    const { api, lines } = await answering(() => stuck.promise, { integrationTimeoutMs: 100 });
    try {
      const res = await fetch(`${api.url}/r`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ message: 'Service Unavailable' });
      expect(lines).toEqual([expect.stringMatching(/^GET \/r 503 \d+ms Fn$/)]);
    } finally {
      stuck.release();
    }
  });

  it("uses the route's own integration timeout (TimeoutInMillis) over the API default", async () => {
    const stuck = pending();
    const { api } = await start([{ ...route('GET /r', 'Fn'), integrationTimeoutMs: 100 }], { Fn: () => stuck.promise });
    try {
      const started = Date.now();
      expect((await fetch(`${api.url}/r`)).status).toBe(503);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      stuck.release();
    }
  });

  it('answers 500 when the function cannot be invoked at all', async () => {
    const { api, lines } = await start([route('GET /r', 'Missing')], {});
    expect((await fetch(`${api.url}/r`)).status).toBe(500);
    expect(lines).toEqual([expect.stringMatching(/^GET \/r 500 \d+ms - \(no function Missing\)$/)]);
  });
});

describe('limits, logging and close', () => {
  it('answers 413 for a body over 10 MiB before routing or authorizing; exactly 10 MiB is routed', async () => {
    const routes = [route('POST /events', 'Ingest', tokenAuthorizer())];
    const { api, lambda } = await start(routes, { Authorizer: () => ({ isAuthorized: true }), Ingest: () => 'ok' });
    const post = (path: string, size: number) =>
      fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', authorization: 'Bearer t' },
        body: Buffer.alloc(size),
      });
    for (const path of ['/events', '/nowhere']) {
      const tooLarge = await post(path, MAX_PAYLOAD_BYTES + 1);
      expect(tooLarge.status).toBe(413);
      expect(await tooLarge.text()).toBe('{"message":"Request Entity Too Large"}');
    }
    expect(lambda.calls).toEqual([]);

    expect((await post('/nowhere', MAX_PAYLOAD_BYTES)).status).toBe(404);
    // Routed and authorized, but 10 MiB is far over Lambda's invoke limit once base64-encoded.
    const atLimit = await post('/events', MAX_PAYLOAD_BYTES);
    expect(atLimit.status).toBe(413);
    expect(lambda.calls.map((c) => c.id)).toEqual(['Authorizer']);
  });

  describe("Lambda's 6,291,456-byte invoke payload", () => {
    const NOW = Date.UTC(2026, 10, 5, 9, 5, 7, 123);
    const eventBytes = (event: unknown) => Buffer.byteLength(JSON.stringify(event));

    it('invokes with an event of exactly 6,291,456 bytes, text body and envelope together; one byte more gets the gateway 413', async () => {
      const { api, lambda } = await start(
        [route('POST /events', 'Ingest')],
        { Ingest: () => 'ok' },
        { now: () => NOW },
      );
      const post = (size: number) =>
        fetch(`${api.url}/events`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: Buffer.alloc(size, 'a'),
        });
      // The envelope, measured with a body of as many digits in Content-Length as the ones below.
      const probe = 1_000_000;
      expect((await post(probe)).status).toBe(200);
      const envelope = eventBytes(lambda.eventsOf('Ingest')[0]) - probe;
      const largest = 6_291_456 - envelope;

      expect((await post(largest)).status).toBe(200);
      const [, atLimit] = lambda.eventsOf('Ingest');
      expect(atLimit?.isBase64Encoded).toBe(false);
      expect(eventBytes(atLimit)).toBe(6_291_456);

      const over = await post(largest + 1);
      expect(over.status).toBe(413);
      expect(over.headers.get('content-type')).toBe('application/json');
      expect(await over.text()).toBe('{"message":"Request Entity Too Large"}');
      expect(lambda.calls).toHaveLength(2);
    });

    it('counts a base64 body at 4/3 of its size: 4,500,000 bytes of NDJSON fit, 4.5 MiB do not', async () => {
      const { api, lambda } = await start([route('POST /events', 'Ingest')], { Ingest: () => 'ok' });
      const post = (size: number) =>
        fetch(`${api.url}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body: Buffer.alloc(size, '{}\n'),
        });
      expect((await post(4_500_000)).status).toBe(200);
      const [event] = lambda.eventsOf('Ingest');
      expect(event?.isBase64Encoded).toBe(true);
      expect(event?.body).toHaveLength(6_000_000);

      // 4.5 MiB is 6,291,456 bytes in base64: the envelope takes it over.
      const over = await post(4.5 * 1024 * 1024);
      expect(over.status).toBe(413);
      expect(await over.text()).toBe('{"message":"Request Entity Too Large"}');
      expect(lambda.calls).toHaveLength(1);
    });

    it('answers a 6.2 MiB JSON body with the gateway 413 after the authorizer, without invoking, and serves on', async () => {
      const routes = [route('POST /events', 'Ingest', tokenAuthorizer())];
      const functions = { Authorizer: () => ({ isAuthorized: true }), Ingest: () => 'ok' };
      const { api, lambda, lines } = await start(routes, functions);
      const body = Buffer.from(
        JSON.stringify([{ type: 't', source: 's', data: 'x'.repeat(Math.round(6.2 * 1024 * 1024)) }]),
      );
      const headers = { 'content-type': 'application/json', authorization: 'Bearer t' };
      const res = await fetch(`${api.url}/events`, { method: 'POST', headers, body });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ message: 'Request Entity Too Large' });
      expect(res.headers.get('apigw-requestid')).toMatch(/\S/);
      expect(lambda.calls.map((c) => c.id)).toEqual(['Authorizer']);
      expect(lines).toEqual([expect.stringMatching(/^POST \/events 413 \d+ms Authorizer$/)]);

      const small = await fetch(`${api.url}/events`, { method: 'POST', headers, body: '[]' });
      expect(small.status).toBe(200);
      expect(lambda.eventsOf('Ingest')).toHaveLength(1);
    });
  });

  it('logs one line per request: method, path without query, status, duration, functions', async () => {
    const routes = [route('POST /events', 'Ingest', tokenAuthorizer())];
    const { api, lines } = await start(routes, { Authorizer: () => ({ isAuthorized: true }), Ingest: () => 'ok' });
    await fetch(`${api.url}/events?token=secret`, { method: 'POST', headers: { authorization: 'Bearer t' } });
    await fetch(`${api.url}/nowhere`);
    expect(lines).toEqual([
      expect.stringMatching(/^POST \/events 200 \d+ms Authorizer Ingest$/),
      expect.stringMatching(/^GET \/nowhere 404 \d+ms -$/),
    ]);
  });

  it('close() does not wait for a request whose function never answers', async () => {
    const stuck = pending();
    const { api, lambda } = await start([route('GET /r', 'Fn')], { Fn: () => stuck.promise });
    try {
      const request = fetch(`${api.url}/r`);
      const outcome = request.then(
        (res) => res.status,
        () => 'connection closed',
      );
      await expect.poll(() => lambda.calls.length).toBe(1);
      const started = performance.now();
      await api.close();
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(await outcome).toBe('connection closed');
    } finally {
      stuck.release();
    }
  });

  it('close() closes idle keep-alive connections at once and stops accepting', async () => {
    const { api } = await start([route('GET /r', 'Fn')], { Fn: () => 'ok' });
    const agent = new Agent({ keepAlive: true });
    try {
      const res = await rawRequest(`${api.url}/r`, { agent });
      expect(res.status).toBe(200);
      const closed = once(res.socket, 'close');
      const started = performance.now();
      await api.close();
      await closed;
      // Well under the 1 s after which in-flight requests are cut: idle sockets are not waited for.
      expect(performance.now() - started).toBeLessThan(500);
      await expect(fetch(`${api.url}/r`)).rejects.toThrow();
    } finally {
      agent.destroy();
    }
  });
});
