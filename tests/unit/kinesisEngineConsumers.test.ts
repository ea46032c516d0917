import type { SubscribeToShardEvent } from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from 'vitest';
import { bytes, code, openTestEngine, type TestEngine, text } from './kinesisEngineHarness.ts';

let t: TestEngine;
const aborts: AbortController[] = [];
afterEach(async () => {
  for (const a of aborts.splice(0)) a.abort();
  await t?.dispose();
});

const ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/s';
async function withConsumer(overrides = {}) {
  t = await openTestEngine(overrides);
  await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
  const { Consumer } = await t.engine.registerStreamConsumer({ StreamARN: ARN, ConsumerName: 'c' });
  return Consumer?.ConsumerARN ?? '';
}

async function subscribe(
  ConsumerARN: string,
  StartingPosition: { Type: 'TRIM_HORIZON' | 'LATEST' | 'AFTER_SEQUENCE_NUMBER'; SequenceNumber?: string },
  ShardId = 'shardId-000000000000',
) {
  const abort = new AbortController();
  aborts.push(abort);
  const iterable = await t.engine.subscribeToShard({ ConsumerARN, ShardId, StartingPosition }, abort.signal);
  return { iterator: iterable[Symbol.asyncIterator](), abort };
}

/** Next event with records (skipping heartbeats), within a deadline. */
async function nextWithRecords(iterator: AsyncIterator<SubscribeToShardEvent>): Promise<SubscribeToShardEvent> {
  for (;;) {
    const { value, done } = await iterator.next();
    if (done) throw new Error('subscription ended');
    if ((value.Records ?? []).length > 0 || value.ChildShards) return value;
  }
}

describe('Kinesis engine consumers', () => {
  it('registers a consumer CREATING, ACTIVE after the state-change time, with an ARN ending in its creation seconds', async () => {
    t = await openTestEngine({ stateChangeMs: 10 });
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    t.advance(10);
    const { Consumer } = await t.engine.registerStreamConsumer({ StreamARN: ARN, ConsumerName: 'c' });
    expect(Consumer?.ConsumerStatus).toBe('CREATING');
    expect(Consumer?.ConsumerARN).toBe(`${ARN}/consumer/c:${Math.floor(t.now() / 1000)}`);
    t.advance(10);
    const byArn = await t.engine.describeStreamConsumer({ ConsumerARN: Consumer?.ConsumerARN });
    const byName = await t.engine.describeStreamConsumer({ StreamARN: ARN, ConsumerName: 'c' });
    expect([byArn.ConsumerDescription?.ConsumerStatus, byName.ConsumerDescription?.ConsumerARN]).toEqual([
      'ACTIVE',
      Consumer?.ConsumerARN,
    ]);
  });

  it('refuses a duplicate consumer name and a 21st consumer', async () => {
    await withConsumer();
    expect(await code(t.engine.registerStreamConsumer({ StreamARN: ARN, ConsumerName: 'c' }))).toBe(
      'ResourceInUseException',
    );
    for (let i = 1; i < 20; i++) await t.engine.registerStreamConsumer({ StreamARN: ARN, ConsumerName: `c${i}` });
    expect(await code(t.engine.registerStreamConsumer({ StreamARN: ARN, ConsumerName: 'x' }))).toBe(
      'LimitExceededException',
    );
  });

  it('lists consumers by page and deregisters them: DELETING, then gone', async () => {
    await withConsumer({ stateChangeMs: 0 });
    await t.engine.registerStreamConsumer({ StreamARN: ARN, ConsumerName: 'd' });
    const page = await t.engine.listStreamConsumers({ StreamARN: ARN, MaxResults: 1 });
    expect(page.Consumers?.map((c) => c.ConsumerName)).toEqual(['c']);
    const rest = await t.engine.listStreamConsumers({ StreamARN: ARN, NextToken: page.NextToken });
    expect(rest.Consumers?.map((c) => c.ConsumerName)).toEqual(['d']);
    await t.engine.deregisterStreamConsumer({ StreamARN: ARN, ConsumerName: 'c' });
    expect(await code(t.engine.describeStreamConsumer({ StreamARN: ARN, ConsumerName: 'c' }))).toBe(
      'ResourceNotFoundException',
    );
  });

  it('refuses to subscribe a consumer that is not ACTIVE', async () => {
    t = await openTestEngine({ stateChangeMs: 1000 });
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    t.advance(1000);
    const { Consumer } = await t.engine.registerStreamConsumer({ StreamARN: ARN, ConsumerName: 'new' });
    const attempt = subscribe(Consumer?.ConsumerARN ?? '', { Type: 'LATEST' });
    expect(await code(attempt)).toBe('ResourceInUseException');
  });

  it('pushes records appended after subscribing', async () => {
    const consumerArn = await withConsumer();
    const { iterator } = await subscribe(consumerArn, { Type: 'LATEST' });
    const first = await iterator.next();
    expect(first.value?.Records).toEqual([]);
    const pending = nextWithRecords(iterator);
    await t.engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('pushed') });
    const event = await pending;
    expect(event.Records?.map((r) => text(r.Data))).toEqual(['pushed']);
    expect(event.MillisBehindLatest).toBe(0);
  });

  it('resumes after ContinuationSequenceNumber without loss or repeat', async () => {
    const consumerArn = await withConsumer();
    await t.engine.putRecords({
      StreamName: 's',
      Records: ['a', 'b'].map((d) => ({ PartitionKey: 'k', Data: bytes(d) })),
    });
    const first = await subscribe(consumerArn, { Type: 'TRIM_HORIZON' });
    const event = await nextWithRecords(first.iterator);
    expect(event.Records?.map((r) => text(r.Data))).toEqual(['a', 'b']);
    first.abort.abort();
    await first.iterator.return?.();
    await t.engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('c') });
    const second = await subscribe(consumerArn, {
      Type: 'AFTER_SEQUENCE_NUMBER',
      SequenceNumber: event.ContinuationSequenceNumber,
    });
    expect((await nextWithRecords(second.iterator)).Records?.map((r) => text(r.Data))).toEqual(['c']);
  });

  it('refuses a second subscription of the same consumer to the same shard while one is open', async () => {
    const consumerArn = await withConsumer();
    const first = await subscribe(consumerArn, { Type: 'LATEST' });
    expect(await code(subscribe(consumerArn, { Type: 'LATEST' }))).toBe('ResourceInUseException');
    first.abort.abort();
    await first.iterator.return?.();
    expect(await code(subscribe(consumerArn, { Type: 'LATEST' }))).toBe('resolved');
  });

  it('ends with ChildShards once a closed shard is read to its end', async () => {
    const consumerArn = await withConsumer();
    await t.engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('last') });
    const { iterator } = await subscribe(consumerArn, { Type: 'TRIM_HORIZON' });
    expect((await nextWithRecords(iterator)).Records?.length).toBe(1);
    await t.engine.splitShard({ StreamName: 's', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '1000' });
    const final = await nextWithRecords(iterator);
    expect(final.ChildShards?.map((c) => c.ShardId)).toEqual(['shardId-000000000001', 'shardId-000000000002']);
    expect((await iterator.next()).done).toBe(true);
  });

  it('ends after its lifetime so the client renews it', async () => {
    const consumerArn = await withConsumer({ subscriptionMs: 50 });
    const { iterator } = await subscribe(consumerArn, { Type: 'LATEST' });
    await iterator.next();
    expect((await iterator.next()).done).toBe(true);
    expect(await code(subscribe(consumerArn, { Type: 'LATEST' }))).toBe('resolved');
  });
});
