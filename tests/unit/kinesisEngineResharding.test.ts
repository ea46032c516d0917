import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KinesisEngine } from '../../local/kinesis/engine/kinesisEngine.ts';
import { bytes, code, openTestEngine, readAll, type TestEngine, text } from './kinesisEngineHarness.ts';

let t: TestEngine;
afterEach(async () => t?.dispose());

/** Every record of the stream, each shard read after its parents, checking no record twice. */
async function readInLineage() {
  const { Shards = [] } = await t.engine.listShards({ StreamName: 's' });
  const done = new Set<string>();
  const seen: string[] = [];
  while (done.size < Shards.length) {
    for (const shard of Shards) {
      const id = shard.ShardId ?? '';
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter(
        (p) => p && Shards.some((s) => s.ShardId === p),
      );
      if (done.has(id) || !parents.every((p) => done.has(p ?? ''))) continue;
      const { records } = await readAll(t.engine, 's', id);
      seen.push(...records.map((r) => text(r.Data)));
      done.add(id);
    }
  }
  return seen;
}

describe('Kinesis engine resharding', () => {
  it('splits a shard: parent closed with an EndingSequenceNumber, two open children', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    const put = await t.engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('x') });
    await t.engine.splitShard({
      StreamName: 's',
      ShardToSplit: 'shardId-000000000000',
      NewStartingHashKey: (2n ** 127n).toString(),
    });
    const { Shards = [] } = await t.engine.listShards({ StreamName: 's' });
    expect(
      Shards.map((s) => [s.ShardId, s.ParentShardId, s.SequenceNumberRange?.EndingSequenceNumber !== undefined]),
    ).toEqual([
      ['shardId-000000000000', undefined, true],
      ['shardId-000000000001', 'shardId-000000000000', false],
      ['shardId-000000000002', 'shardId-000000000000', false],
    ]);
    expect(Shards[0]?.SequenceNumberRange?.EndingSequenceNumber).toBe(put.SequenceNumber);
    expect(Shards[2]?.HashKeyRange?.StartingHashKey).toBe((2n ** 127n).toString());
    const child = BigInt(Shards[1]?.SequenceNumberRange?.StartingSequenceNumber ?? 0);
    expect(child > BigInt(put.SequenceNumber ?? 0)).toBe(true);
  });

  it('ends a closed shard read with ChildShards and no NextShardIterator', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    await t.engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('x') });
    await t.engine.splitShard({ StreamName: 's', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '1000' });
    const { records, childShards, closed } = await readAll(t.engine, 's', 'shardId-000000000000');
    expect([records.length, closed]).toEqual([1, true]);
    expect(childShards?.map((c) => [c.ShardId, c.ParentShards])).toEqual([
      ['shardId-000000000001', ['shardId-000000000000']],
      ['shardId-000000000002', ['shardId-000000000000']],
    ]);
  });

  it('merges adjacent shards only', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 3 });
    expect(
      await code(
        t.engine.mergeShards({
          StreamName: 's',
          ShardToMerge: 'shardId-000000000000',
          AdjacentShardToMerge: 'shardId-000000000002',
        }),
      ),
    ).toBe('InvalidArgumentException');
    await t.engine.mergeShards({
      StreamName: 's',
      ShardToMerge: 'shardId-000000000001',
      AdjacentShardToMerge: 'shardId-000000000000',
    });
    const { Shards = [] } = await t.engine.listShards({ StreamName: 's', ShardFilter: { Type: 'AT_LATEST' } });
    expect(
      Shards.map((s) => [s.ShardId, s.ParentShardId, s.AdjacentParentShardId, s.HashKeyRange?.StartingHashKey]),
    ).toEqual([
      ['shardId-000000000002', undefined, undefined, '226854911280625642308916404954512140970'],
      ['shardId-000000000003', 'shardId-000000000001', 'shardId-000000000000', '0'],
    ]);
  });

  it('refuses to split a closed shard, at a bad hash key, or while the stream is UPDATING', async () => {
    t = await openTestEngine({ stateChangeMs: 10 });
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    t.advance(10);
    const split = (key: string) =>
      t.engine.splitShard({ StreamName: 's', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: key });
    expect(await code(split('1'))).toBe('InvalidArgumentException');
    await split('1000');
    expect(await code(split('2000'))).toBe('ResourceInUseException');
    t.advance(10);
    expect(await code(split('2000'))).toBe('ResourceInUseException');
  });

  it('scales uniformly within double and half, with every child having at most two parents', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 5 });
    expect(
      await code(t.engine.updateShardCount({ StreamName: 's', TargetShardCount: 11, ScalingType: 'UNIFORM_SCALING' })),
    ).toBe('LimitExceededException');
    expect(
      await code(t.engine.updateShardCount({ StreamName: 's', TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' })),
    ).toBe('LimitExceededException');
    const out = await t.engine.updateShardCount({
      StreamName: 's',
      TargetShardCount: 3,
      ScalingType: 'UNIFORM_SCALING',
    });
    expect([out.CurrentShardCount, out.TargetShardCount]).toEqual([5, 3]);
    const open = await t.engine.listShards({ StreamName: 's', ShardFilter: { Type: 'AT_LATEST' } });
    expect(open.Shards?.map((s) => s.HashKeyRange?.StartingHashKey)).toEqual([
      '0',
      '113427455640312821154458202477256070485',
      '226854911280625642308916404954512140970',
    ]);
  });

  it('keeps every record readable exactly once, parents before children, when resharding while writing', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 2 });
    const written: string[] = [];
    let n = 0;
    const writer = (async () => {
      for (let batch = 0; batch < 30; batch++) {
        const records = Array.from({ length: 20 }, () => ({ PartitionKey: `k${n % 7}`, Data: bytes(String(n++)) }));
        await t.engine.putRecords({ StreamName: 's', Records: records });
        written.push(...records.map((r) => text(r.Data)));
      }
    })();
    await t.engine.splitShard({
      StreamName: 's',
      ShardToSplit: 'shardId-000000000000',
      NewStartingHashKey: (2n ** 126n).toString(),
    });
    await t.engine.updateShardCount({ StreamName: 's', TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' });
    await writer;
    const seen = await readInLineage();
    expect([...seen].sort()).toEqual([...written].sort());
    // Per partition key, lineage order keeps write order.
    for (let k = 0; k < 7; k++) {
      const ofKey = seen.map(Number).filter((v) => v % 7 === k);
      expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
    }
  });

  it('keeps the old layout when the new one cannot be saved, so no record is acknowledged to an unsaved shard', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 1 });
    // A directory where the metadata's temp file goes makes every save fail.
    const blocker = join(t.dataDir, `kinesis-engine.json.${process.pid}.tmp`);
    await mkdir(blocker);
    const split = t.engine.splitShard({
      StreamName: 's',
      ShardToSplit: 'shardId-000000000000',
      NewStartingHashKey: (2n ** 127n).toString(),
    });
    const put = t.engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('acknowledged') });
    expect(await code(split)).not.toBe('resolved');
    const { ShardId } = await put;
    // A crash now: another engine opens a copy of what is on disk.
    const crashed = join(t.dataDir, '..', `${t.dataDir.split('/').at(-1)}-crashed`);
    await cp(t.dataDir, crashed, { recursive: true });
    await rm(join(crashed, `kinesis-engine.json.${process.pid}.tmp`), { recursive: true });
    await rm(blocker, { recursive: true });
    const after = await KinesisEngine.open({ dataDir: crashed, region: 'us-east-1', stateChangeMs: 0, now: t.now });
    try {
      const { records } = await readAll(after, 's', ShardId ?? '');
      expect(records.map((r) => text(r.Data))).toEqual(['acknowledged']);
    } finally {
      await after.close();
      await rm(crashed, { recursive: true, force: true });
    }
  });
});
