import type * as K from '@aws-sdk/client-kinesis';
import {
  CreateStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinesisServiceError } from '../../local/kinesis/engine/api.ts';
import { startKinesisServer } from '../../local/kinesis/server/kinesisServer.ts';
import { eventually, sdkClient, startWireEngine, type WireEngine } from './kinesisServerWire.ts';

// SubscribeToShard over the wire: the SDK's own SubscribeToShardCommand with NodeHttp2Handler
// (cleartext HTTP/2, prior knowledge) decoding the event stream frames the server writes.

const SHARD = 'shardId-000000000000';

/** A stream with one shard and an ACTIVE consumer on `engine`; returns the consumer ARN. */
async function streamWithConsumer(engine: WireEngine, name: string): Promise<string> {
  const client = sdkClient(engine.endpoint, 'http2');
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  let streamArn = '';
  await eventually(async () => {
    const { StreamDescriptionSummary: summary } = await client.send(
      new DescribeStreamSummaryCommand({ StreamName: name }),
    );
    streamArn = summary?.StreamARN ?? '';
    return summary?.StreamStatus === 'ACTIVE';
  });
  const { Consumer } = await client.send(
    new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'c' }),
  );
  const consumerArn = Consumer?.ConsumerARN ?? '';
  await eventually(async () => {
    const { ConsumerDescription } = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
    return ConsumerDescription?.ConsumerStatus === 'ACTIVE';
  });
  return consumerArn;
}

function subscribe(
  engine: { endpoint: string },
  consumerArn: string,
  abortSignal?: AbortSignal,
  protocol: 'http1' | 'http2' = 'http2',
) {
  return sdkClient(engine.endpoint, protocol).send(
    new SubscribeToShardCommand({
      ConsumerARN: consumerArn,
      ShardId: SHARD,
      StartingPosition: { Type: 'TRIM_HORIZON' },
    }),
    { abortSignal },
  );
}

function eventsOf(stream: AsyncIterable<K.SubscribeToShardEventStream> | undefined) {
  if (stream === undefined) throw new Error('SubscribeToShard answered without an event stream');
  return stream[Symbol.asyncIterator]();
}

/** Subscribes once the engine has released the previous test's subscription of this consumer. */
async function subscribeWhenFree(...args: Parameters<typeof subscribe>) {
  let answer: Awaited<ReturnType<typeof subscribe>> | undefined;
  await eventually(async () => {
    const attempt = await subscribe(...args).catch((e: unknown) => e);
    if (attempt instanceof ResourceInUseException) return false;
    if (attempt instanceof Error) throw attempt;
    answer = attempt as Awaited<ReturnType<typeof subscribe>>;
    return true;
  });
  if (answer === undefined) throw new Error('no subscription');
  return answer;
}

describe('SubscribeToShard against the engine', () => {
  let kinesis: WireEngine;
  let consumerArn: string;
  beforeAll(async () => {
    kinesis = await startWireEngine();
    consumerArn = await streamWithConsumer(kinesis, 'subscribed');
  });
  afterAll(() => kinesis.cleanup());

  it.each(['http2', 'http1'] as const)(
    'delivers the records as decoded SubscribeToShardEvents over %s, after the initial response',
    async (protocol) => {
      const sent = ['one', 'two', 'three'].map((word) => `${protocol}-${word}`);
      await sdkClient(kinesis.endpoint, 'http1').send(
        new PutRecordsCommand({
          StreamName: 'subscribed',
          Records: sent.map((data) => ({ Data: Buffer.from(data), PartitionKey: data })),
        }),
      );
      const aborter = new AbortController();
      const { EventStream } = await subscribeWhenFree(kinesis, consumerArn, aborter.signal, protocol);
      const received: string[] = [];
      for await (const item of EventStream ?? []) {
        expect(Object.keys(item)).toEqual(['SubscribeToShardEvent']);
        const event = item.SubscribeToShardEvent as K.SubscribeToShardEvent;
        expect(event.ContinuationSequenceNumber).toMatch(/^\d+$/);
        for (const record of event.Records ?? []) {
          expect(record.ApproximateArrivalTimestamp).toBeInstanceOf(Date);
          received.push(Buffer.from(record.Data ?? []).toString());
        }
        if (sent.every((data) => received.includes(data))) break;
      }
      aborter.abort();
      expect(received.filter((data) => data.startsWith(protocol))).toEqual(sent);
    },
  );

  it('answers an error before the stream starts as a JSON error the SDK types', async () => {
    const missing = consumerArn.replace('consumer/c:', 'consumer/missing:');
    await expect(subscribe(kinesis, missing)).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('aborts the engine subscription when the client goes away', async () => {
    const aborter = new AbortController();
    const { EventStream } = await subscribeWhenFree(kinesis, consumerArn, aborter.signal);
    const iterator = eventsOf(EventStream);
    await iterator.next();
    // While it is open the engine refuses a second subscription of this consumer to this shard.
    await expect(subscribe(kinesis, consumerArn)).rejects.toBeInstanceOf(ResourceInUseException);
    aborter.abort();
    await iterator.next().catch(() => undefined);
    const second = new AbortController();
    await subscribeWhenFree(kinesis, consumerArn, second.signal);
    second.abort();
  });
});

describe('SubscribeToShard when the server stops', () => {
  it('ends open subscriptions and stops', async () => {
    const kinesis = await startWireEngine();
    const consumerArn = await streamWithConsumer(kinesis, 'stopping');
    const { EventStream } = await subscribe(kinesis, consumerArn);
    const iterator = eventsOf(EventStream);
    await iterator.next();
    const drained = (async () => {
      for (;;) if ((await iterator.next()).done) return 'ended';
    })().catch(() => 'failed');
    await kinesis.cleanup();
    expect(['ended', 'failed']).toContain(await drained);
  });
});

describe('SubscribeToShard failing mid-stream', () => {
  // The engine ends a subscription quietly (stream deleted, consumer gone, lifetime over) and has no
  // mid-stream failure to provoke, so this stand-in yields one event and then fails.
  const failing = (error: Error) =>
    ({
      subscribeToShard: async () =>
        (async function* () {
          yield { Records: [], ContinuationSequenceNumber: '1', MillisBehindLatest: 0 };
          throw error;
        })(),
    }) as unknown as import('../../local/kinesis/engine/api.ts').KinesisApi;

  it.each([
    [new KinesisServiceError('ResourceInUseException', 'taken'), 'ResourceInUseException', 'taken'],
    [
      new Error('disk on fire'),
      'InternalFailureException',
      'The request processing has failed because of an unknown error.',
    ],
  ])('sends %s as an exception frame the SDK throws from the event iterator', async (error, name, message) => {
    const logged: string[] = [];
    const server = await startKinesisServer(failing(error), { port: 0, log: (line) => logged.push(line) });
    try {
      const arn = 'arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:1';
      const { EventStream } = await subscribe({ endpoint: `http://127.0.0.1:${server.port}` }, arn);
      const events: unknown[] = [];
      const thrown = await (async () => {
        for await (const event of EventStream ?? []) events.push(event);
      })().catch((e: unknown) => e);
      expect(events).toHaveLength(1);
      expect(thrown).toMatchObject({ name, message });
      expect(logged.some((line) => line.includes('disk on fire'))).toBe(name === 'InternalFailureException');
    } finally {
      await server.close();
    }
  });
});
