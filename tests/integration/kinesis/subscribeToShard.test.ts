// SubscribeToShard through the SDK's SubscribeToShardCommand, checked against the AWS reference:
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SubscribeToShard.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SubscribeToShardEvent.html
import {
  PutRecordCommand,
  ResourceInUseException,
  SplitShardCommand,
  type SubscribeToShardInput,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../../helpers/kinesisEngine.ts';
import {
  createActiveStream,
  decoded,
  registerActiveConsumer,
  text,
  uniqueName,
  waitForStream,
} from './streamFixtures.ts';
import { endOf, type Subscription, subscribe } from './subscription.ts';

const SHARD = 'shardId-000000000000';

/** The default engine keeps AWS's 5-minute subscriptions; `shortLived` ends them after 1 s. */
let kinesis: TestEngine;
let shortLived: TestEngine;
const open: Subscription[] = [];
beforeAll(async () => {
  [kinesis, shortLived] = await Promise.all([startTestEngine(), startTestEngine({ subscriptionMs: 1_000 })]);
});
afterAll(async () => {
  for (const subscription of open) subscription.close();
  await Promise.all([kinesis?.stop(), shortLived?.stop()]);
});

/** A one-shard stream with an ACTIVE consumer. */
async function consumerOn(engine: TestEngine, label: string) {
  const name = uniqueName(label);
  const { StreamARN } = await createActiveStream(engine.client, name, 1);
  const { ConsumerARN } = await registerActiveConsumer(engine.client, StreamARN ?? '', 'efo');
  return { name, consumerArn: ConsumerARN ?? '' };
}

/** Subscribes and remembers the subscription so a failing test still hangs up. */
async function tracked(engine: TestEngine, input: SubscribeToShardInput): Promise<Subscription> {
  const subscription = await subscribe(engine.client, input);
  open.push(subscription);
  return subscription;
}

async function putAll(engine: TestEngine, name: string, values: string[]): Promise<void> {
  for (const value of values) {
    await engine.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'pk', Data: text(value) }));
  }
}

const atLeast = (count: number) => (subscription: Subscription) =>
  subscription.records().length >= count ? true : undefined;

describe('SubscribeToShard', () => {
  it('pushes records put after subscribing, in order', async () => {
    const { name, consumerArn } = await consumerOn(kinesis, 'push');
    const subscription = await tracked(kinesis, {
      ConsumerARN: consumerArn,
      ShardId: SHARD,
      StartingPosition: { Type: 'LATEST' },
    });
    await putAll(kinesis, name, ['0', '1', '2', '3', '4']);
    await subscription.waitFor('5 records pushed', atLeast(5));
    expect(subscription.records().map(decoded)).toEqual(['0', '1', '2', '3', '4']);
    subscription.close();
  });

  it('resumes after ContinuationSequenceNumber with AFTER_SEQUENCE_NUMBER without gap or repeat', async () => {
    const { name, consumerArn } = await consumerOn(kinesis, 'continue');
    const first = await tracked(kinesis, {
      ConsumerARN: consumerArn,
      ShardId: SHARD,
      StartingPosition: { Type: 'TRIM_HORIZON' },
    });
    await putAll(kinesis, name, ['a', 'b', 'c']);
    await first.waitFor('first 3 records', atLeast(3));
    const continuation = first.events.at(-1)?.ContinuationSequenceNumber;
    expect(continuation).toMatch(/^\d+$/);
    first.close();
    await putAll(kinesis, name, ['d', 'e', 'f']);
    const second = await tracked(kinesis, {
      ConsumerARN: consumerArn,
      ShardId: SHARD,
      StartingPosition: { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: continuation },
    });
    await second.waitFor('the 3 later records', atLeast(3));
    expect(second.records().map(decoded)).toEqual(['d', 'e', 'f']);
    second.close();
  });

  it('refuses a second concurrent subscription of the consumer to the shard with ResourceInUseException', async () => {
    const { consumerArn } = await consumerOn(kinesis, 'twice');
    await tracked(kinesis, { ConsumerARN: consumerArn, ShardId: SHARD, StartingPosition: { Type: 'LATEST' } });
    await expect(
      subscribe(kinesis.client, { ConsumerARN: consumerArn, ShardId: SHARD, StartingPosition: { Type: 'LATEST' } }),
    ).rejects.toThrow(ResourceInUseException);
  });

  it('ends with an event carrying ChildShards once the split parent is read to its end', async () => {
    const { name, consumerArn } = await consumerOn(kinesis, 'split');
    const subscription = await tracked(kinesis, {
      ConsumerARN: consumerArn,
      ShardId: SHARD,
      StartingPosition: { Type: 'TRIM_HORIZON' },
    });
    await putAll(kinesis, name, ['before split']);
    await subscription.waitFor('the record before the split', atLeast(1));
    await kinesis.client.send(
      new SplitShardCommand({ StreamName: name, ShardToSplit: SHARD, NewStartingHashKey: (2n ** 127n).toString() }),
    );
    await waitForStream(kinesis.client, name);
    const childShards = await subscription.waitFor(
      'ChildShards',
      (s) => s.events.find((e) => e.ChildShards)?.ChildShards,
    );
    expect(childShards.map((child) => child.ShardId)).toEqual(['shardId-000000000001', 'shardId-000000000002']);
    for (const child of childShards) expect(child.ParentShards).toEqual([SHARD]);
    expect(childShards[1]?.HashKeyRange?.StartingHashKey).toBe((2n ** 127n).toString());
    await endOf(subscription, 'subscription to the closed parent');
    expect(subscription.records().map(decoded)).toEqual(['before split']);
  });
});

describe('SubscribeToShard lifetime', () => {
  it('ends after the subscription lifetime and can be renewed from its ContinuationSequenceNumber', async () => {
    const { name, consumerArn } = await consumerOn(shortLived, 'renew');
    // Put first and read from TRIM_HORIZON: the 1-second lifetime must not race the put.
    await putAll(shortLived, name, ['one']);
    const first = await tracked(shortLived, {
      ConsumerARN: consumerArn,
      ShardId: SHARD,
      StartingPosition: { Type: 'TRIM_HORIZON' },
    });
    await endOf(first, 'a 1-second subscription');
    expect(first.records().map(decoded)).toEqual(['one']);
    const continuation = first.events.at(-1)?.ContinuationSequenceNumber;
    const renewed = await tracked(shortLived, {
      ConsumerARN: consumerArn,
      ShardId: SHARD,
      StartingPosition: { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: continuation },
    });
    await putAll(shortLived, name, ['two']);
    await renewed.waitFor('the record after renewing', atLeast(1));
    expect(renewed.records().map(decoded)).toEqual(['two']);
  });
});
