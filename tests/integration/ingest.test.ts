import { gzipSync } from 'node:zlib';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_IDEMPOTENT_EVENTS } from '../../functions/ingest/postEvents.ts';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import { anEvent, aPostEventsRequest } from '../helpers/events.ts';
import { listShards, readAllRecords, shardForKey } from '../helpers/kinesisReader.ts';
import { lambdaContext } from '../helpers/lambdaContext.ts';
import { createStream, createTable } from '../helpers/resources.ts';

const STREAM = 'ingest-it';
let emulators: Emulators;
let kinesis: KinesisClient;
let handler: (
  event: unknown,
  context: unknown,
) => Promise<{ statusCode: number; headers?: Record<string, string>; body: string }>;

const post = async (options: Parameters<typeof aPostEventsRequest>[0]) => {
  const response = await handler(aPostEventsRequest(options), lambdaContext('ingest'));
  return { ...response, json: JSON.parse(response.body) };
};

beforeAll(async () => {
  emulators = await startEmulators();
  Object.assign(process.env, emulators.env, { STREAM_NAME: STREAM, IDEMPOTENCY_TABLE: 'idempotency-it' });
  // Clients read their endpoints on first use, so import them only now.
  const clients = await import('../../shared/aws/clients.ts');
  kinesis = clients.kinesisClient();
  await createStream(kinesis, STREAM, 4);
  await createTable(clients.dynamoDbClient(), 'idempotency-it', 'id');
  handler = (await import('../../functions/ingest/handler.ts')).handler as unknown as typeof handler;
});

afterAll(async () => {
  await emulators?.stop();
});

describe('POST /events into the local Kinesis engine', () => {
  it('writes every event byte for byte as the documented record, on the shard MD5 picks', async () => {
    const events = [
      anEvent({ id: 'e-1', time: '2026-11-25T10:00:00Z', subject: 'naïve-ключ-🔑', data: { text: 'héllo wörld ✓' } }),
      anEvent({ id: 'e-2', time: '2026-11-25T10:00:01Z', subject: undefined, source: 'web-frontend' }),
      ...Array.from({ length: 40 }, (_, i) =>
        anEvent({ id: `bulk-${i}`, time: '2026-11-25T10:00:02Z', subject: `s-${i}` }),
      ),
    ].map((e) => JSON.parse(JSON.stringify(e)));
    const { statusCode, json } = await post({ body: JSON.stringify(events), requestId: 'req-bytes' });
    expect(statusCode).toBe(200);
    expect(json.results.map((r: { status: string }) => r.status)).toEqual(events.map(() => 'accepted'));

    const stored = await readAllRecords(kinesis, STREAM);
    const shards = await listShards(kinesis, STREAM);
    expect(new Set(stored.map((r) => r.shardId)).size).toBeGreaterThan(1);
    events.forEach((event, index) => {
      const result = json.results[index];
      const record = stored.find((r) => r.SequenceNumber === result.sequenceNumber);
      expect(record, `record ${index} on the stream`).toBeDefined();
      const bytes = Buffer.from(record?.Data ?? new Uint8Array());
      const decoded = JSON.parse(bytes.toString('utf8'));
      const expected = {
        ...event,
        specversion: '1.0',
        id: event.id,
        time: event.time,
        receivedAt: decoded.receivedAt,
        ingestRequestId: 'req-bytes',
      };
      expect(Buffer.compare(bytes, Buffer.from(JSON.stringify(expected), 'utf8'))).toBe(0);
      const key = event.subject ?? event.source;
      expect(record?.PartitionKey).toBe(key);
      expect(record?.shardId).toBe(result.shardId);
      expect(result.shardId).toBe(shardForKey(key, shards));
    });
  });

  it('reads gzip NDJSON and answers 207 with per-event results for a mixed request', async () => {
    const lines = [
      JSON.stringify(anEvent()),
      '{broken',
      JSON.stringify(anEvent({ source: 'billing' })),
      JSON.stringify(anEvent()),
    ];
    const { statusCode, json } = await post({
      body: gzipSync(lines.join('\n')).toString('base64'),
      isBase64Encoded: true,
      headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
    });
    expect(statusCode).toBe(207);
    expect(json.results.map((r: { status: string; code?: string }) => r.code ?? r.status)).toEqual([
      'accepted',
      'invalid_json',
      'source_not_allowed',
      'accepted',
    ]);
  });

  it.each([
    [{ 'content-type': 'text/csv' }, 'a,b', 415],
    [{}, '{"type":', 400],
    [{}, JSON.stringify([{ type: 'x' }]), 400],
    [{}, JSON.stringify([anEvent({ source: 'billing' })]), 403],
  ])('maps %o %s to %i', async (headers, body, status) => {
    const { statusCode, json } = await post({ body, headers });
    expect(statusCode).toBe(status);
    expect(Array.isArray(json.results)).toBe(true);
  });

  it('answers 413 for a body over the limit', async () => {
    const { statusCode } = await post({ body: JSON.stringify([anEvent({ data: 'x'.repeat(6 * 1024 * 1024) })]) });
    expect(statusCode).toBe(413);
  });

  it('answers 401 when the authorizer context is missing', async () => {
    const request = aPostEventsRequest({ body: JSON.stringify(anEvent()) });
    (request.requestContext as { authorizer?: unknown }).authorizer = undefined;
    const response = await handler(request, lambdaContext('ingest'));
    expect(response.statusCode).toBe(401);
  });

  it('replays the first response for a retried Idempotency-Key without writing again', async () => {
    const body = JSON.stringify([anEvent({ id: 'idem-1' }), anEvent({ id: 'idem-2' })]);
    const headers = { 'idempotency-key': 'retry-abc' };
    const first = await post({ body, headers, requestId: 'first' });
    const before = (await readAllRecords(kinesis, STREAM)).length;
    const second = await post({ body, headers, requestId: 'second' });
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.json).toEqual(first.json);
    expect((await readAllRecords(kinesis, STREAM)).length).toBe(before);

    const reused = await post({ body: JSON.stringify([anEvent()]), headers });
    expect(reused.statusCode).toBe(422);
    const otherProducer = await post({ body, headers, producer: 'another' });
    expect(otherProducer.json.requestId).not.toBe(first.json.requestId);
  });

  it('takes at most MAX_IDEMPOTENT_EVENTS events with an Idempotency-Key, whose response must fit a DynamoDB item', async () => {
    const events = (count: number, prefix: string) =>
      JSON.stringify(Array.from({ length: count }, (_, i) => anEvent({ id: `${prefix}-${i}` })));
    const before = (await readAllRecords(kinesis, STREAM)).length;
    const tooMany = await post({
      body: events(MAX_IDEMPOTENT_EVENTS + 1, 'idem-many'),
      headers: { 'idempotency-key': 'big' },
    });
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json.message).toMatch(/limit is 1000 with an Idempotency-Key/);
    expect((await readAllRecords(kinesis, STREAM)).length).toBe(before);

    // The key was not used up by the refusal, and the largest allowed request is stored and replayed.
    const body = events(MAX_IDEMPOTENT_EVENTS, 'idem-max');
    const first = await post({ body, headers: { 'idempotency-key': 'big' } });
    expect(first.statusCode).toBe(200);
    const replay = await post({ body, headers: { 'idempotency-key': 'big' } });
    expect(replay.json).toEqual(first.json);
    expect((await readAllRecords(kinesis, STREAM)).length).toBe(before + MAX_IDEMPOTENT_EVENTS);
  });

  it('scopes an Idempotency-Key by Content-Type: the same bytes sent as NDJSON are another request (422)', async () => {
    const body = JSON.stringify(anEvent({ id: 'typed' }));
    const headers = { 'idempotency-key': 'typed-key' };
    expect((await post({ body, headers })).statusCode).toBe(200);
    const asNdjson = await post({ body, headers: { ...headers, 'content-type': 'application/x-ndjson' } });
    expect(asNdjson.statusCode).toBe(422);
  });

  it('answers 409 with Retry-After while a request with the same key is still running', async () => {
    const { DynamoDBPersistenceLayer } = await import('@aws-lambda-powertools/idempotency/dynamodb');
    const { dynamoDbClient } = await import('../../shared/aws/clients.ts');
    const { idempotentResponder } = await import('../../functions/ingest/idempotentIngest.ts');
    const { errorResponse } = await import('../../shared/http/errorResponse.ts');
    const responder = idempotentResponder(
      new DynamoDBPersistenceLayer({ tableName: 'idempotency-it', awsSdkV3Client: dynamoDbClient() }),
      3600,
    );
    responder.config.registerLambdaContext(lambdaContext('ingest'));
    let release = () => {};
    let markStarted = () => {};
    // The first request is running (its in-progress record is stored) once its work has begun.
    const started = new Promise<void>((resolve) => {
      markStarted = resolve;
    });
    const slow = responder.respond({ producer: 'web', key: 'busy', body: 'b' }, async () => {
      markStarted();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return { statusCode: 200, body: '{}' };
    });
    await started;
    const second = await responder
      .respond({ producer: 'web', key: 'busy', body: 'b' }, async () => ({ statusCode: 200, body: '{}' }))
      .catch(errorResponse);
    release();
    await slow;
    expect(second.statusCode).toBe(409);
    expect(second.headers?.['retry-after']).toBe('1');
  });

  it('does not store a response that wrote nothing under the Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'all-invalid' };
    const invalid = await post({ body: JSON.stringify([{ type: 'no source' }]), headers });
    expect(invalid.statusCode).toBe(400);
    const again = await post({ body: JSON.stringify([{ type: 'no source' }]), headers, requestId: 'again' });
    expect(again.json.requestId).toBe('again');
  });
});
