import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBody } from '../../local/httpApi/requestBody.ts';
import { loadLocalLambda } from '../../local/lambda/localLambda.ts';
import type { Invoke } from '../../local/lambda/types.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { aPostEventsRequest } from '../helpers/events.ts';
import { type FuzzBody, type MixedItem, malformedBody, mixedRequest } from '../helpers/fuzzInputs.ts';
import { clientsFor, startTestPipeline } from '../helpers/localPipeline.ts';

/**
 * Property-based fuzzing of POST /events: malformed bodies, encodings, content types, sizes and
 * mixed requests, through the local HTTP API (authorizer, API Gateway emulation, ingest Lambda,
 * the local Kinesis engine) and, for volume, straight into the ingest function with the event the HTTP API
 * builds. Never a 5xx or a function error, always a JSON answer that says what is wrong, and in a
 * mixed request every valid event is accepted and on the stream as sent.
 */

const INGEST = 'IngestLambdaFunction';
const MAX_BODY_BYTES = 4_500_000;
const HTTP_API_MAX_BYTES = 10 * 1024 * 1024;
/** Lambda's synchronous response limit. */
const LAMBDA_RESPONSE_BYTES = 6 * 1024 * 1024;
/** Statuses POST /events may answer to what a client sends, whatever it sends. */
const CLIENT_STATUSES = [200, 207, 400, 401, 403, 413, 415, 422];

let runtime: LocalRuntime;
let invoke: Invoke;
let kinesis: KinesisClient;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  runtime = await startTestPipeline('fuzz-ingest');
  // The handler modules are already loaded (with the template's environment) by the runtime.
  ({ invoke } = await loadLocalLambda(runtime.app.functions.filter((fn) => fn.logicalId === INGEST)));
  kinesis = clientsFor(runtime.endpoints).kinesis;
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await runtime?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

/** The ingest function invoked as the HTTP API invokes it, for a body as it would arrive. */
async function invokeIngest(request: FuzzBody): Promise<{ status: number; json: Json }> {
  const event = aPostEventsRequest({ producer: 'fuzz', sources: ['*'], ...encodeBody(request.bytes, request.headers) });
  // As sent: no Content-Type unless the client gave one.
  (event as { headers: Record<string, string> }).headers = request.headers;
  const result = await invoke(INGEST, event);
  if (!result.ok) throw new Error(`function error for ${request.label}: ${JSON.stringify(result.error)}`);
  const response = result.response as { statusCode: number; body: string };
  expect(Buffer.byteLength(JSON.stringify(response)), 'Lambda response size').toBeLessThanOrEqual(
    LAMBDA_RESPONSE_BYTES,
  );
  return { status: response.statusCode, json: JSON.parse(response.body) };
}

/** POST /events over HTTP with the dev token. */
async function postOverHttp(request: FuzzBody, extraHeaders: Record<string, string> = {}) {
  const response = await fetch(`${runtime.endpoints.httpApi}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${runtime.endpoints.token}`, ...extraHeaders, ...request.headers },
    body: request.bytes,
  });
  const text = await response.text();
  expect(response.headers.get('content-type'), `${request.label}: content type`).toMatch(/^application\/json/);
  return { status: response.status, json: JSON.parse(text) as Json };
}

/** Not a 5xx, and a JSON object that says what happened: a message, or every event's fate. */
function expectClearAnswer({ status, json }: { status: number; json: Json }, label: string): void {
  expect(CLIENT_STATUSES, `${label}: status ${status} ${JSON.stringify(json).slice(0, 300)}`).toContain(status);
  expect(json, label).toBeTypeOf('object');
  if (json.results?.length > 0 || json.requestId !== undefined) {
    expect(json.results.length, label).toBe(json.accepted + json.rejected + json.failed);
    for (const result of json.results) {
      if (result.status === 'accepted') continue;
      expect(result.code, label).toMatch(/^[a-z_]+$/);
      if (json.message === undefined) expect(result.error, label).toMatch(/\S/);
    }
    return;
  }
  // An error of the function ({code, message}) or of the API itself ({message}).
  expect(json.message, label).toBeTypeOf('string');
  expect(json.message.trim(), label).not.toBe('');
  if (json.code !== undefined) expect(json.code, label).toMatch(/^[a-z_]+$/);
}

/**
 * A mixed request's answer: each valid element accepted, each invalid one rejected with a reason,
 * by index; the status follows (200 all valid, 207 some, 400 none).
 */
function expectMixedAnswer({ status, json }: { status: number; json: Json }, items: MixedItem[]): void {
  const valid = items.filter((item) => item.valid).length;
  expect(status).toBe(valid === items.length ? 200 : valid > 0 ? 207 : 400);
  expect(json.results).toHaveLength(items.length);
  items.forEach((item, index) => {
    const result = json.results[index];
    expect(result.index).toBe(index);
    if (item.valid) {
      expect(result, item.text).toMatchObject({
        status: 'accepted',
        id: JSON.parse(item.text).id ?? expect.any(String),
      });
      expect(result.sequenceNumber).toMatch(/^\d+$/);
    } else {
      expect(result.status, item.text).toBe('rejected');
      expect(['invalid_json', 'invalid_event']).toContain(result.code);
      expect(result.error).toMatch(/\S/);
    }
  });
}

/** Every accepted event of a mixed request is on the stream, at its sequence number, as sent. */
async function expectOnStream(json: Json, items: MixedItem[]): Promise<number> {
  let checked = 0;
  for (const [index, item] of items.entries()) {
    if (!item.valid) continue;
    const { shardId, sequenceNumber, id } = json.results[index];
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: runtime.endpoints.streamName,
        ShardId: shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: sequenceNumber,
      }),
    );
    const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 1 }));
    const record = Records[0];
    expect(record?.SequenceNumber).toBe(sequenceNumber);
    const stored = JSON.parse(Buffer.from(record?.Data ?? []).toString('utf8'));
    const sent = JSON.parse(item.text);
    const added = {
      specversion: '1.0',
      id,
      time: sent.time ?? stored.receivedAt,
      receivedAt: stored.receivedAt,
      ingestRequestId: json.requestId,
    };
    // Through JSON once more: the stream holds JSON, where -0 is 0.
    expect(stored).toEqual(JSON.parse(JSON.stringify(Object.assign({}, sent, added))));
    const key: string = sent.subject ?? sent.source;
    if (Buffer.from(key, 'utf8').toString('utf8') === key) expect(record?.PartitionKey).toBe(key);
    checked += 1;
  }
  return checked;
}

const stats = { malformed: 0, mixed: 0, readBack: 0 };

describe('POST /events fuzz', () => {
  it('answers any malformed body with a clear 4xx or per-event results, never a 5xx (ingest function)', async () => {
    await fc.assert(
      fc.asyncProperty(malformedBody, async (request) => {
        expectClearAnswer(await invokeIngest(request), request.label);
        stats.malformed += 1;
      }),
      { numRuns: 300 },
    );
  });

  it('accepts every valid event of a mixed request and rejects each invalid one by index (ingest function)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(mixedRequest, async ({ items, request }) => {
        const answer = await invokeIngest(request);
        expectMixedAnswer(answer, items);
        // Read back a sample of the runs.
        if (run++ % 4 === 0) stats.readBack += await expectOnStream(answer.json, items);
        stats.mixed += 1;
      }),
      { numRuns: 80 },
    );
  });

  const headerValue = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e\x80-\xff]{0,300}$/);
  const extraHeaders = fc.record(
    {
      'idempotency-key': headerValue,
      'x-fuzz': headerValue,
      'content-language': headerValue,
      accept: fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml'),
      'accept-encoding': fc.constantFrom('gzip', 'br', 'identity', '*'),
    },
    { requiredKeys: [] },
  );

  it('answers malformed bodies and headers over HTTP with JSON, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(malformedBody, extraHeaders, async (request, headers) => {
        expectClearAnswer(await postOverHttp(request, headers), request.label);
        stats.malformed += 1;
      }),
      { numRuns: 60 },
    );
  });

  it('accepts the valid events of a mixed request over HTTP, and they are on the stream as sent', async () => {
    await fc.assert(
      fc.asyncProperty(mixedRequest, async ({ items, request }) => {
        const answer = await postOverHttp(request);
        expectMixedAnswer(answer, items);
        stats.readBack += await expectOnStream(answer.json, items);
        stats.mixed += 1;
      }),
      { numRuns: 25 },
    );
  });

  /** A JSON array of invalid events (no source) of exactly `size` bytes. */
  const arrayOfSize = (size: number, events = 4) => {
    const overhead = `[${Array.from({ length: events }, () => '{"type":"t","data":""}').join(',')}]`.length;
    const pad = size - overhead;
    const each = Math.floor(pad / events);
    const pads = Array.from({ length: events }, (_, i) => (i === 0 ? pad - each * (events - 1) : each));
    return Buffer.from(`[${pads.map((n) => `{"type":"t","data":"${'x'.repeat(n)}"}`).join(',')}]`);
  };

  it('reads bodies up to MAX_BODY_BYTES and refuses larger ones with 413, compressed or not', async () => {
    const { gzipSync } = await import('node:zlib');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(MAX_BODY_BYTES - 1, MAX_BODY_BYTES, MAX_BODY_BYTES + 1, HTTP_API_MAX_BYTES + 1),
        fc.boolean(),
        async (size, gzip) => {
          const raw = arrayOfSize(size);
          const request: FuzzBody = gzip
            ? { label: `gzip of ${size}`, bytes: gzipSync(raw), headers: { 'content-encoding': 'gzip' } }
            : { label: `${size} bytes`, bytes: raw, headers: { 'content-type': 'application/json' } };
          const answer = await postOverHttp(request);
          expectClearAnswer(answer, request.label);
          if (size <= MAX_BODY_BYTES) {
            expect(answer.status).toBe(400);
            expect(answer.json.results.map((r: { code: string }) => r.code)).toEqual(Array(4).fill('invalid_event'));
          } else {
            expect(answer.status).toBe(413);
            // Over 10 MiB on the wire the HTTP API refuses it itself, before the function runs.
            if (!gzip && size > HTTP_API_MAX_BYTES)
              expect(answer.json).toEqual({ message: 'Request Entity Too Large' });
            else expect(answer.json.code).toBe('payload_too_large');
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  it('reads a body of exactly MAX_BODY_BYTES: its valid event is accepted and on the stream', async () => {
    const valid = '{"type":"t","source":"at-limit","id":"at-limit-1"}';
    const padding = arrayOfSize(MAX_BODY_BYTES - valid.length - 1).toString('utf8');
    const bytes = Buffer.from(`[${valid},${padding.slice(1)}`);
    expect(bytes.byteLength).toBe(MAX_BODY_BYTES);
    const items = [{ text: valid, valid: true }, ...Array(4).fill({ text: '{"type":"t"}', valid: false })];
    const answer = await postOverHttp({ label: 'max body', bytes, headers: { 'content-type': 'application/json' } });
    expectMixedAnswer(answer, items);
    expect(await expectOnStream(answer.json, items)).toBe(1);
  });

  it('left no unhandled rejection behind', () => {
    expect(unhandled).toEqual([]);
    console.log(`fuzz POST /events: ${stats.malformed} malformed, ${stats.mixed} mixed, ${stats.readBack} read back`);
  });
});
