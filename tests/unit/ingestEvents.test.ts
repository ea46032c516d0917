import { describe, expect, it } from 'vitest';
import { type EventResult, type IngestRequest, ingestEvents } from '../../functions/ingest/ingestEvents.ts';
import { ingestResponse, ingestStatus, MAX_RESPONSE_BYTES, summarize } from '../../functions/ingest/ingestResponse.ts';
import { pipelineRecordSchema } from '../../shared/events/eventSchema.ts';
import { createProducer } from '../../shared/kinesis/producer.ts';
import { anEvent } from '../helpers/events.ts';
import { fakeKinesis, throttled } from '../helpers/fakeKinesis.ts';

const limits = { maxBodyBytes: 1024 * 1024, maxEvents: 1000 };
const receivedAt = new Date('2026-11-25T12:00:00.000Z');

function request(events: unknown, overrides: Partial<IngestRequest> = {}): IngestRequest {
  return {
    requestId: 'req-1',
    receivedAt,
    http: { body: JSON.stringify(events), headers: { 'content-type': 'application/json' } },
    caller: { producer: 'web', sources: ['web-frontend', 'mobile'] },
    deadline: Number.POSITIVE_INFINITY,
    ...overrides,
  };
}

function producerWith(kinesis = fakeKinesis()) {
  return { kinesis, producer: createProducer({ client: kinesis.sender, streamName: 's', sleep: async () => {} }) };
}

describe('ingestEvents', () => {
  it('writes each valid event as the record format: event + defaults + receivedAt + ingestRequestId', async () => {
    const { kinesis, producer } = producerWith();
    const event = {
      type: 'order_placed',
      source: 'web-frontend',
      subject: 'order-9',
      value: 12.5,
      data: { a: [1] },
      extra: 'kept',
    };
    const { results } = await ingestEvents(request([event]), { producer, limits });
    expect(results).toEqual([
      {
        index: 0,
        id: expect.any(String),
        status: 'accepted',
        sequenceNumber: expect.any(String),
        shardId: expect.any(String),
      },
    ]);
    const sent = kinesis.calls.flat()[0];
    expect(sent?.partitionKey).toBe('order-9');
    const record = JSON.parse(sent?.data ?? '');
    expect(record).toEqual({
      ...event,
      specversion: '1.0',
      id: results[0]?.id,
      time: '2026-11-25T12:00:00.000Z',
      receivedAt: '2026-11-25T12:00:00.000Z',
      ingestRequestId: 'req-1',
    });
    expect(pipelineRecordSchema.safeParse(record).success).toBe(true);
    expect(record.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('keeps the producer id and time, and keys by source when there is no subject', async () => {
    const { kinesis, producer } = producerWith();
    const event = { type: 't', source: 'mobile', id: 'evt-1', time: '2026-01-01T00:00:00+01:00' };
    const { results } = await ingestEvents(request([event]), { producer, limits });
    expect(results[0]?.id).toBe('evt-1');
    const sent = kinesis.calls.flat()[0];
    expect(sent?.partitionKey).toBe('mobile');
    expect(JSON.parse(sent?.data ?? '').time).toBe('2026-01-01T00:00:00+01:00');
  });

  it('rejects invalid events by index with a reason and writes the valid ones', async () => {
    const { kinesis, producer } = producerWith();
    const events = [
      anEvent(),
      { source: 'web-frontend' },
      anEvent({ value: 'NaN' }),
      anEvent({ time: '2026-13-01T00:00:00Z' }),
      anEvent({ specversion: '0.3' }),
      anEvent({ type: 'x'.repeat(129) }),
      'not an object',
      anEvent({ id: 'good' }),
    ];
    const { results } = await ingestEvents(request(events), { producer, limits });
    expect(results.map((r) => r.status)).toEqual([
      'accepted',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'accepted',
    ]);
    expect(results[1]?.error).toContain('type');
    expect(results[2]?.error).toContain('value');
    expect(results[3]?.error).toContain('time');
    expect(results.every((r) => r.status !== 'rejected' || r.code === 'invalid_event')).toBe(true);
    expect(kinesis.calls.flat()).toHaveLength(2);
  });

  it('refuses events whose source the producer may not send (403 per event)', async () => {
    const { kinesis, producer } = producerWith();
    const events = [anEvent({ source: 'web-frontend' }), anEvent({ source: 'billing' })];
    const { results } = await ingestEvents(request(events), { producer, limits });
    expect(results[1]).toMatchObject({ status: 'rejected', code: 'source_not_allowed' });
    expect(results[1]?.error).toContain('"billing"');
    expect(kinesis.calls.flat().map((e) => JSON.parse(e.data).source)).toEqual(['web-frontend']);
  });

  it('reports entries that stay throttled as failed and retryable, never accepted', async () => {
    const kinesis = fakeKinesis((entry) => (entry.partitionKey === 'hot' ? throttled : 'ok'));
    const producer = createProducer({
      client: kinesis.sender,
      streamName: 's',
      sleep: async () => {},
      retry: { maxAttempts: 3 },
    });
    const events = [anEvent({ subject: 'hot' }), anEvent({ subject: 'cold' })];
    const { results, stats } = await ingestEvents(request(events), { producer, limits });
    expect(results[0]).toMatchObject({
      status: 'failed',
      retryable: true,
      code: 'ProvisionedThroughputExceededException',
    });
    expect(results[0]?.sequenceNumber).toBeUndefined();
    expect(results[1]?.status).toBe('accepted');
    expect(stats.throttledEntries).toBe(3);
  });

  it('rejects an event over the record limit with a clear error and sends the rest', async () => {
    const kinesis = fakeKinesis();
    const producer = createProducer({ client: kinesis.sender, streamName: 's', limits: { maxRecordBytes: 2000 } });
    const events = [anEvent({ data: 'x'.repeat(3000) }), anEvent()];
    const { results } = await ingestEvents(request(events), { producer, limits });
    expect(results[0]).toMatchObject({ status: 'rejected', code: 'record_too_large' });
    expect(results[0]?.error).toMatch(/over the 2000-byte limit/);
    expect(results[1]?.status).toBe('accepted');
  });

  it('counts the hottest partition keys of the request', async () => {
    const { producer } = producerWith();
    const events = [anEvent({ subject: 'a' }), anEvent({ subject: 'b' }), anEvent({ subject: 'a' })];
    const { topPartitionKeys } = await ingestEvents(request(events), { producer, limits });
    expect(topPartitionKeys).toEqual([
      { partitionKey: 'a', count: 2 },
      { partitionKey: 'b', count: 1 },
    ]);
  });
});

describe('ingestStatus', () => {
  const r = (status: EventResult['status'], code?: string): EventResult => ({ index: 0, id: null, status, code });
  it.each([
    [[r('accepted'), r('accepted')], 200],
    [[r('accepted'), r('rejected', 'invalid_event')], 207],
    [[r('accepted'), r('failed')], 207],
    [[r('accepted'), r('rejected', 'source_not_allowed')], 207],
    [[r('rejected', 'invalid_event'), r('rejected', 'invalid_json')], 400],
    [[r('rejected', 'source_not_allowed'), r('rejected', 'source_not_allowed')], 403],
    [[r('rejected', 'source_not_allowed'), r('rejected', 'invalid_event')], 400],
    [[r('failed'), r('failed')], 503],
    [[r('failed'), r('rejected', 'invalid_event')], 503],
  ])('%o -> %i', (results, status) => {
    expect(ingestStatus(summarize(results))).toBe(status);
  });

  it('adds Retry-After to a 503 and a summary to every response', () => {
    const response = ingestResponse('req-9', [r('failed')]);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('1');
    expect(JSON.parse(response.body)).toMatchObject({ requestId: 'req-9', accepted: 0, rejected: 0, failed: 1 });
  });

  it('keeps a response with thousands of refused events under Lambda 6 MB, leaving out echoed ids and errors', async () => {
    // 10,000 events, each with every schema attribute wrong and a 400-character id: a 5 MB body
    // whose full per-event response (ids and schema messages echoed) would be over 8 MB.
    const bad = { type: 1, source: 2, time: 3, subject: 4, value: 'x', specversion: 5, id: 'i'.repeat(400) };
    const body = JSON.stringify(Array.from({ length: 10_000 }, () => bad));
    const { producer } = producerWith();
    const { results } = await ingestEvents(request([], { http: { body, headers: {} } }), {
      producer,
      limits: { maxBodyBytes: 6 * 1024 * 1024, maxEvents: 10_000 },
    });
    const response = ingestResponse('req-big', results);
    expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    const json = JSON.parse(response.body);
    expect(response.statusCode).toBe(400);
    expect(json).toMatchObject({ rejected: 10_000, message: expect.stringContaining('6 MB') });
    expect(json.results[9_999]).toEqual({ index: 9_999, status: 'rejected', code: 'invalid_event' });
  });

  it('echoes ids and errors while the response fits', () => {
    const response = ingestResponse('req-small', [{ ...r('rejected', 'invalid_event'), id: 'a', error: 'why' }]);
    expect(JSON.parse(response.body).results[0]).toEqual({
      index: 0,
      id: 'a',
      status: 'rejected',
      code: 'invalid_event',
      error: 'why',
    });
  });
});
