import { describe, expect, it } from 'vitest';
import { createProducer, type PutRecordsSender } from '../../shared/kinesis/producer.ts';
import { fullJitterDelayMs, isRetryableCallError } from '../../shared/kinesis/retryPolicy.ts';
import { recordOfSize } from '../helpers/events.ts';
import { fakeKinesis, throttled } from '../helpers/fakeKinesis.ts';

const records = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ index: i, partitionKey: `key-${i}`, data: Buffer.from(`event-${i}`) }));

/** A virtual clock: sleeping advances time instantly, so retry timing is checked without waiting. */
function virtualClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

describe('producer', () => {
  it('accepts every record with the sequence number Kinesis returned', async () => {
    const kinesis = fakeKinesis();
    const producer = createProducer({ client: kinesis.sender, streamName: 's' });
    const { outcomes, stats } = await producer.put(records(1001));
    expect(outcomes).toHaveLength(1001);
    expect(outcomes.every((o) => o.status === 'accepted' && /^\d+$/.test(o.sequenceNumber))).toBe(true);
    expect(outcomes.map((o) => o.index)).toEqual([...Array(1001).keys()]);
    expect(stats.putRecordsCalls).toBe(3);
  });

  it('re-sends exactly the failed entries, and only them', async () => {
    const failOnce = new Set(['key-3', 'key-7', 'key-8']);
    const kinesis = fakeKinesis((entry, call) => (call === 1 && failOnce.has(entry.partitionKey) ? throttled : 'ok'));
    const clock = virtualClock();
    const producer = createProducer({ client: kinesis.sender, streamName: 's', ...clock, random: () => 0.5 });
    const { outcomes, stats } = await producer.put(records(10));
    expect(kinesis.calls.map((c) => c.map((e) => e.partitionKey))).toEqual([
      records(10).map((r) => r.partitionKey),
      ['key-3', 'key-7', 'key-8'],
    ]);
    expect(outcomes.every((o) => o.status === 'accepted')).toBe(true);
    expect(stats).toEqual({ putRecordsCalls: 2, retriedEntries: 3, throttledEntries: 3 });
  });

  it('backs off exponentially with full jitter between attempts', async () => {
    const kinesis = fakeKinesis(() => throttled);
    const clock = virtualClock();
    const producer = createProducer({
      client: kinesis.sender,
      streamName: 's',
      retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 },
      random: () => 0.999,
      ...clock,
    });
    await producer.put(records(1));
    // ceilings 200, 400, 800, then capped at 1000; random 0.999 takes just under each ceiling
    expect(clock.sleeps).toEqual([199, 399, 799, 999]);
    expect(kinesis.calls).toHaveLength(5);
  });

  it('never reports an entry accepted that kept failing; reports it failed and retryable', async () => {
    const kinesis = fakeKinesis((entry) => (entry.partitionKey === 'key-1' ? throttled : 'ok'));
    const clock = virtualClock();
    const producer = createProducer({ client: kinesis.sender, streamName: 's', retry: { maxAttempts: 3 }, ...clock });
    const { outcomes } = await producer.put(records(3));
    expect(outcomes[1]).toEqual({
      index: 1,
      status: 'failed',
      code: 'ProvisionedThroughputExceededException',
      error: expect.stringContaining('Rate exceeded'),
      retryable: true,
      // Kinesis said so for every attempt: not written, a retry cannot duplicate it.
      maybeWritten: false,
    });
    expect(outcomes.filter((o) => o.status === 'accepted').map((o) => o.index)).toEqual([0, 2]);
    expect(kinesis.calls.map((c) => c.length)).toEqual([3, 1, 1]);
  });

  it('stops retrying before the deadline would pass', async () => {
    const kinesis = fakeKinesis(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }));
    const clock = virtualClock();
    const producer = createProducer({
      client: kinesis.sender,
      streamName: 's',
      retry: { maxAttempts: 100, baseDelayMs: 100, maxDelayMs: 100 },
      random: () => 0.99,
      ...clock,
    });
    const { outcomes } = await producer.put(records(2), { deadline: 350 });
    // delays of 99 ms each: attempts at t=0, 99, 198, 297; the next would start at 396 > 350
    expect(kinesis.calls).toHaveLength(4);
    expect(clock.now()).toBeLessThan(350);
    expect(outcomes.every((o) => o.status === 'failed' && o.retryable)).toBe(true);
  });

  it('abandons a call still hanging at the deadline and reports its records failed, retryable', async () => {
    const hanging = {
      send: (_command: unknown, options?: { abortSignal?: AbortSignal }) =>
        new Promise<never>((_resolve, reject) => {
          options?.abortSignal?.addEventListener('abort', () =>
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
          );
        }),
    };
    const producer = createProducer({ client: hanging as never, streamName: 's' });
    const started = Date.now();
    const { outcomes } = await producer.put(records(2), { deadline: started + 100 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(outcomes).toEqual([
      { index: 0, status: 'failed', code: 'AbortError', error: 'aborted', retryable: true, maybeWritten: true },
      { index: 1, status: 'failed', code: 'AbortError', error: 'aborted', retryable: true, maybeWritten: true },
    ]);
  });

  it('retries a throttled whole call and succeeds', async () => {
    let calls = 0;
    const kinesis = fakeKinesis();
    const flaky = {
      send: async (...args: Parameters<typeof kinesis.sender.send>) => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
        return kinesis.sender.send(...args);
      },
    };
    const producer = createProducer({ client: flaky, streamName: 's', ...virtualClock() });
    const { outcomes, stats } = await producer.put(records(4));
    expect(outcomes.every((o) => o.status === 'accepted')).toBe(true);
    expect(stats.retriedEntries).toBe(4);
  });

  it('reports a non-retryable call error at once, without retrying', async () => {
    let calls = 0;
    const broken = {
      send: async () => {
        calls += 1;
        throw Object.assign(new Error('KMS key disabled'), {
          name: 'KMSDisabledException',
          $metadata: { httpStatusCode: 400 },
        });
      },
    };
    const producer = createProducer({ client: broken, streamName: 's', ...virtualClock() });
    const { outcomes } = await producer.put(records(2));
    expect(calls).toBe(1);
    expect(outcomes).toEqual([
      {
        index: 0,
        status: 'failed',
        code: 'KMSDisabledException',
        error: 'KMS key disabled',
        retryable: false,
        maybeWritten: false,
      },
      {
        index: 1,
        status: 'failed',
        code: 'KMSDisabledException',
        error: 'KMS key disabled',
        retryable: false,
        maybeWritten: false,
      },
    ]);
  });

  it('says an event may be written when any attempt ended without a refusal (a 5xx), even if later ones were throttled', async () => {
    let calls = 0;
    const flaky: PutRecordsSender = {
      send: async (command) => {
        calls += 1;
        if (calls === 1) {
          throw Object.assign(new Error('We encountered an internal error'), {
            name: 'InternalFailure',
            $metadata: { httpStatusCode: 500 },
          });
        }
        const records = command.input.Records ?? [];
        return {
          FailedRecordCount: records.length,
          Records: records.map(() => ({
            ErrorCode: 'ProvisionedThroughputExceededException',
            ErrorMessage: 'Rate exceeded',
          })),
          $metadata: {},
        };
      },
    };
    const producer = createProducer({
      client: flaky,
      streamName: 's',
      retry: { maxAttempts: 3 },
      ...virtualClock(),
    });
    const { outcomes } = await producer.put(records(1));
    expect(calls).toBe(3);
    expect(outcomes).toEqual([
      expect.objectContaining({ status: 'failed', code: 'ProvisionedThroughputExceededException', maybeWritten: true }),
    ]);
  });

  it('treats a result entry without a sequence number as failed', async () => {
    const kinesis = fakeKinesis(() => ({ ShardId: 'shardId-000000000000' }));
    const producer = createProducer({
      client: kinesis.sender,
      streamName: 's',
      retry: { maxAttempts: 2 },
      ...virtualClock(),
    });
    const { outcomes } = await producer.put(records(1));
    expect(outcomes[0]?.status).toBe('failed');
  });

  it('rejects an oversized record without sending it, and sends the rest', async () => {
    const kinesis = fakeKinesis();
    const producer = createProducer({ client: kinesis.sender, streamName: 's', limits: { maxRecordBytes: 100 } });
    const { outcomes } = await producer.put([recordOfSize(0, 50), recordOfSize(1, 101), recordOfSize(2, 100)]);
    expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(kinesis.calls.flat()).toHaveLength(2);
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const kinesis = fakeKinesis();
    const slow = {
      send: async (...args: Parameters<typeof kinesis.sender.send>) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return kinesis.sender.send(...args);
      },
    };
    const producer = createProducer({ client: slow, streamName: 's', concurrency: 3 });
    await producer.put(records(5000));
    // 10 full calls' worth, split over 3 lanes: at most one partly filled call per lane more.
    expect(kinesis.calls.length).toBeGreaterThanOrEqual(10);
    expect(kinesis.calls.length).toBeLessThanOrEqual(12);
    expect(peak).toBe(3);
  });

  it('keeps each partition key in request order across calls sent in parallel', async () => {
    const kinesis = fakeKinesis();
    let calls = 0;
    const firstCallSlow = {
      send: async (...args: Parameters<typeof kinesis.sender.send>) => {
        calls += 1;
        if (calls === 1) await new Promise((resolve) => setTimeout(resolve, 30));
        return kinesis.sender.send(...args);
      },
    };
    const producer = createProducer({ client: firstCallSlow, streamName: 's', concurrency: 4 });
    const keyed = Array.from({ length: 1_800 }, (_, i) => ({
      index: i,
      partitionKey: `subject-${i % 7}`,
      data: Buffer.from(`event-${i}`),
    }));
    const { outcomes } = await producer.put(keyed);
    expect(calls).toBeGreaterThan(1);
    for (let key = 0; key < 7; key++) {
      const sequences = outcomes
        .filter((o) => o.index % 7 === key)
        .map((o) => (o.status === 'accepted' ? BigInt(o.sequenceNumber) : -1n));
      expect(sequences).toEqual([...sequences].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
  });

  it('sends a request that fits one call as one call, whatever the concurrency', async () => {
    const kinesis = fakeKinesis();
    await createProducer({ client: kinesis.sender, streamName: 's', concurrency: 8 }).put(records(500));
    expect(kinesis.calls).toHaveLength(1);
  });
});

describe('retry policy', () => {
  it('classifies call errors', () => {
    const named = (name: string, extra = {}) => Object.assign(new Error(name), { name, ...extra });
    expect(isRetryableCallError(named('ProvisionedThroughputExceededException'))).toBe(true);
    expect(isRetryableCallError(named('KMSThrottlingException'))).toBe(true);
    expect(isRetryableCallError(named('Weird', { $metadata: { httpStatusCode: 503 } }))).toBe(true);
    expect(isRetryableCallError(named('Weird', { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableCallError(named('ResourceNotFoundException', { $metadata: { httpStatusCode: 400 } }))).toBe(
      false,
    );
    expect(isRetryableCallError(named('KMSAccessDeniedException'))).toBe(false);
    expect(isRetryableCallError('not an error')).toBe(false);
  });

  it('draws full-jitter delays below a capped exponential ceiling', () => {
    const policy = { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 1_000 };
    expect(fullJitterDelayMs(1, policy, () => 0)).toBe(0);
    expect(fullJitterDelayMs(3, policy, () => 0.5)).toBe(200);
    expect(fullJitterDelayMs(10, policy, () => 0.5)).toBe(500);
  });
});
