// ListShards paging and filters, checked against the AWS Kinesis API reference:
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListShards.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ShardFilter.html
import {
  InvalidArgumentException,
  ListShardsCommand,
  type ShardFilter,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { beforeAll, describe, expect, it } from 'vitest';
import { testClock, useTestEngine } from '../../helpers/kinesisEngine.ts';
import { createActiveStream, shardId, uniqueName, waitForStream } from './streamFixtures.ts';

const clock = testClock();
const kinesis = useTestEngine({ now: clock.now });

describe('ListShards paging', () => {
  it('pages with MaxResults and NextToken alone, in shard id order', async () => {
    const name = uniqueName('paging');
    await createActiveStream(kinesis.client, name, 5);
    let page = await kinesis.client.send(new ListShardsCommand({ StreamName: name, MaxResults: 2 }));
    const ids = (page.Shards ?? []).map((shard) => shard.ShardId);
    while (page.NextToken) {
      expect(page.Shards).toHaveLength(2);
      page = await kinesis.client.send(new ListShardsCommand({ NextToken: page.NextToken, MaxResults: 2 }));
      ids.push(...(page.Shards ?? []).map((shard) => shard.ShardId));
    }
    expect(ids).toEqual([0, 1, 2, 3, 4].map(shardId));
  });

  it('answers InvalidArgumentException when NextToken comes with StreamName', async () => {
    const name = uniqueName('token-and-name');
    await createActiveStream(kinesis.client, name, 3);
    const { NextToken } = await kinesis.client.send(new ListShardsCommand({ StreamName: name, MaxResults: 1 }));
    expect(NextToken).toBeTruthy();
    await expect(kinesis.client.send(new ListShardsCommand({ StreamName: name, NextToken }))).rejects.toThrow(
      InvalidArgumentException,
    );
  });

  it('starts after ExclusiveStartShardId', async () => {
    const name = uniqueName('exclusive-start');
    await createActiveStream(kinesis.client, name, 3);
    const { Shards = [] } = await kinesis.client.send(
      new ListShardsCommand({ StreamName: name, ExclusiveStartShardId: shardId(0) }),
    );
    expect(Shards.map((shard) => shard.ShardId)).toEqual([shardId(1), shardId(2)]);
  });
});

describe('ListShards ShardFilter after a split of shard 0 (shards 0 closed; 1, 2, 3 open)', () => {
  let name: string;
  let beforeSplit: Date;
  let afterSplit: Date;
  const list = async (filter: ShardFilter) => {
    const { Shards = [] } = await kinesis.client.send(new ListShardsCommand({ StreamName: name, ShardFilter: filter }));
    return Shards.map((shard) => shard.ShardId);
  };

  beforeAll(async () => {
    name = uniqueName('filters');
    const { OpenShardCount } = await createActiveStream(kinesis.client, name, 2);
    expect(OpenShardCount).toBe(2);
    // Whole seconds between the moments so no timestamp lands on a shard boundary.
    clock.advance(10_000);
    beforeSplit = new Date(clock.now());
    clock.advance(10_000);
    await kinesis.client.send(
      new SplitShardCommand({
        StreamName: name,
        ShardToSplit: shardId(0),
        NewStartingHashKey: (2n ** 126n).toString(),
      }),
    );
    await waitForStream(kinesis.client, name);
    clock.advance(10_000);
    afterSplit = new Date(clock.now());
  });

  it('FROM_TRIM_HORIZON (the default) lists every shard within retention', async () => {
    expect(await list({ Type: 'FROM_TRIM_HORIZON' })).toEqual([0, 1, 2, 3].map(shardId));
  });

  it('AT_TRIM_HORIZON lists the shards open at the trim horizon', async () => {
    expect(await list({ Type: 'AT_TRIM_HORIZON' })).toEqual([shardId(0), shardId(1)]);
  });

  it('AT_LATEST lists only the open shards', async () => {
    expect(await list({ Type: 'AT_LATEST' })).toEqual([1, 2, 3].map(shardId));
  });

  it('AFTER_SHARD_ID lists the shards after the given one', async () => {
    expect(await list({ Type: 'AFTER_SHARD_ID', ShardId: shardId(1) })).toEqual([shardId(2), shardId(3)]);
  });

  it('AT_TIMESTAMP lists the shards open at that time', async () => {
    expect(await list({ Type: 'AT_TIMESTAMP', Timestamp: beforeSplit })).toEqual([shardId(0), shardId(1)]);
    expect(await list({ Type: 'AT_TIMESTAMP', Timestamp: afterSplit })).toEqual([1, 2, 3].map(shardId));
  });

  it('FROM_TIMESTAMP lists shards closed at or after that time plus every open shard', async () => {
    expect(await list({ Type: 'FROM_TIMESTAMP', Timestamp: beforeSplit })).toEqual([0, 1, 2, 3].map(shardId));
    expect(await list({ Type: 'FROM_TIMESTAMP', Timestamp: afterSplit })).toEqual([1, 2, 3].map(shardId));
  });

  it('gives the children ParentShardId and the parent an EndingSequenceNumber', async () => {
    const { Shards = [] } = await kinesis.client.send(new ListShardsCommand({ StreamName: name }));
    const [parent, , left, right] = Shards;
    expect(parent?.SequenceNumberRange?.EndingSequenceNumber).toBeTruthy();
    expect(left?.ParentShardId).toBe(shardId(0));
    expect(right?.ParentShardId).toBe(shardId(0));
    expect(left?.HashKeyRange?.StartingHashKey).toBe(parent?.HashKeyRange?.StartingHashKey);
    expect(BigInt(left?.HashKeyRange?.EndingHashKey ?? '0')).toBe(2n ** 126n - 1n);
    expect(right?.HashKeyRange?.StartingHashKey).toBe((2n ** 126n).toString());
    expect(right?.HashKeyRange?.EndingHashKey).toBe(parent?.HashKeyRange?.EndingHashKey);
  });
});
