// Resharding, checked against the AWS Kinesis API reference and developer guide:
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SplitShard.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_MergeShards.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateShardCount.html
// https://docs.aws.amazon.com/streams/latest/dev/kinesis-using-sdk-java-after-resharding.html
import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  InvalidArgumentException,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { useTestEngine } from '../../helpers/kinesisEngine.ts';
import {
  createActiveStream,
  decoded,
  listAllShards,
  readShard,
  shardId,
  text,
  uniqueName,
  waitForStream,
} from './streamFixtures.ts';

const MAX_HASH = 2n ** 128n - 1n;

const kinesis = useTestEngine();

describe('MergeShards', () => {
  it('merges two adjacent shards into a child covering both ranges, with both parents named', async () => {
    const name = uniqueName('merge');
    await createActiveStream(kinesis.client, name, 2);
    await kinesis.client.send(
      new MergeShardsCommand({ StreamName: name, ShardToMerge: shardId(0), AdjacentShardToMerge: shardId(1) }),
    );
    await waitForStream(kinesis.client, name);
    const { Shards = [] } = await kinesis.client.send(
      new ListShardsCommand({ StreamName: name, ShardFilter: { Type: 'AT_LATEST' } }),
    );
    expect(Shards).toHaveLength(1);
    expect(Shards[0]).toMatchObject({
      ShardId: shardId(2),
      ParentShardId: shardId(0),
      AdjacentParentShardId: shardId(1),
      HashKeyRange: { StartingHashKey: '0', EndingHashKey: MAX_HASH.toString() },
    });
  });

  it('refuses shards that are not adjacent with InvalidArgumentException', async () => {
    const name = uniqueName('not-adjacent');
    await createActiveStream(kinesis.client, name, 3);
    await expect(
      kinesis.client.send(
        new MergeShardsCommand({ StreamName: name, ShardToMerge: shardId(0), AdjacentShardToMerge: shardId(2) }),
      ),
    ).rejects.toThrow(InvalidArgumentException);
  });
});

describe('UpdateShardCount', () => {
  it('scales uniformly to the target: open shards cover the hash key space without gap', async () => {
    const name = uniqueName('scale');
    await createActiveStream(kinesis.client, name, 2);
    const output = await kinesis.client.send(
      new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' }),
    );
    expect(output).toMatchObject({ StreamName: name, CurrentShardCount: 2, TargetShardCount: 4 });
    const summary = await waitForStream(kinesis.client, name);
    expect(summary.OpenShardCount).toBe(4);
    const { Shards = [] } = await kinesis.client.send(
      new ListShardsCommand({ StreamName: name, ShardFilter: { Type: 'AT_LATEST' } }),
    );
    const ranges = Shards.map((shard) => [
      BigInt(shard.HashKeyRange?.StartingHashKey ?? '-1'),
      BigInt(shard.HashKeyRange?.EndingHashKey ?? '-1'),
    ]);
    ranges.sort((a, b) => ((a[0] ?? 0n) < (b[0] ?? 0n) ? -1 : 1));
    expect(ranges[0]?.[0]).toBe(0n);
    expect(ranges.at(-1)?.[1]).toBe(MAX_HASH);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.[0]).toBe((ranges[i - 1]?.[1] ?? -2n) + 1n);
  });
});

describe('resharding while writing', () => {
  it('reads every acknowledged record exactly once, in per-key order, reading parents before children', async () => {
    const name = uniqueName('reshard-live');
    await createActiveStream(kinesis.client, name, 2);
    const keys = Array.from({ length: 8 }, (_, i) => `key-${i}`);
    let writing = true;
    let batch = 0;
    const writer = (async () => {
      while (writing || batch < 5) {
        const records = keys.map((key) => ({ PartitionKey: key, Data: text(`${key}/${batch}`) }));
        const { FailedRecordCount } = await kinesis.client.send(
          new PutRecordsCommand({ StreamName: name, Records: records }),
        );
        expect(FailedRecordCount).toBe(0);
        batch++;
      }
    })();
    await kinesis.client.send(
      new SplitShardCommand({
        StreamName: name,
        ShardToSplit: shardId(0),
        NewStartingHashKey: (2n ** 126n).toString(),
      }),
    );
    await waitForStream(kinesis.client, name);
    // Shard 3 is the upper half of shard 0, adjacent to shard 1.
    await kinesis.client.send(
      new MergeShardsCommand({ StreamName: name, ShardToMerge: shardId(3), AdjacentShardToMerge: shardId(1) }),
    );
    await waitForStream(kinesis.client, name);
    await kinesis.client.send(
      new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING' }),
    );
    await waitForStream(kinesis.client, name);
    writing = false;
    await writer;

    const read = await readParentsFirst(name);
    const values = read.map(decoded);
    expect(new Set(values).size).toBe(values.length);
    expect(values.length).toBe(batch * keys.length);
    for (const key of keys) {
      const batches = values.filter((value) => value.startsWith(`${key}/`)).map((value) => Number(value.split('/')[1]));
      expect(batches).toEqual(Array.from({ length: batch }, (_, i) => i));
    }
  });

  it('ends a closed shard: GetRecords stops answering a NextShardIterator past its last record', async () => {
    const name = uniqueName('closed');
    await createActiveStream(kinesis.client, name, 1);
    await kinesis.client.send(
      new PutRecordsCommand({ StreamName: name, Records: [{ PartitionKey: 'k', Data: text('x') }] }),
    );
    await kinesis.client.send(
      new SplitShardCommand({
        StreamName: name,
        ShardToSplit: shardId(0),
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    await waitForStream(kinesis.client, name);
    let { ShardIterator } = await kinesis.client.send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: shardId(0), ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const seen: _Record[] = [];
    let last: Awaited<ReturnType<typeof readPage>> | undefined;
    for (let i = 0; ShardIterator && i < 10; i++) {
      last = await readPage(ShardIterator);
      seen.push(...(last.Records ?? []));
      ShardIterator = last.NextShardIterator;
    }
    expect(ShardIterator).toBeUndefined();
    expect(seen.map(decoded)).toEqual(['x']);
    expect(last?.ChildShards?.map((child) => child.ShardId)).toEqual([shardId(1), shardId(2)]);
  });
});

const readPage = (shardIterator: string) =>
  kinesis.client.send(new GetRecordsCommand({ ShardIterator: shardIterator }));

/** Reads every shard to its end, a child only after all its parents, as the developer guide asks. */
async function readParentsFirst(streamName: string): Promise<_Record[]> {
  const shards = await listAllShards(kinesis.client, streamName);
  const done = new Set<string>();
  const records: _Record[] = [];
  while (done.size < shards.length) {
    const ready = shards.find(
      (shard) =>
        !done.has(shard.ShardId ?? '') &&
        [shard.ParentShardId, shard.AdjacentParentShardId].every((parent) => !parent || done.has(parent)),
    );
    if (!ready?.ShardId) throw new Error('no shard whose parents are all read');
    records.push(...(await readShard(kinesis.client, streamName, ready.ShardId)));
    done.add(ready.ShardId);
  }
  return records;
}
