import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bytes, code, openTestEngine, readAll, type TestEngine, text } from './kinesisEngineHarness.ts';

let t: TestEngine;
afterEach(async () => t?.dispose());

async function streamWith(shards: number, overrides = {}) {
  t = await openTestEngine(overrides);
  await t.engine.createStream({ StreamName: 's', ShardCount: shards });
  return t.engine;
}

const iteratorOf = async (type: 'TRIM_HORIZON' | 'LATEST', ShardId = 'shardId-000000000000') =>
  (await t.engine.getShardIterator({ StreamName: 's', ShardId, ShardIteratorType: type })).ShardIterator;

describe('Kinesis engine records', () => {
  it('routes a partition key by MD5 to the shard whose hash range holds it', async () => {
    const engine = await streamWith(4);
    const { Shards = [] } = await engine.listShards({ StreamName: 's' });
    for (const key of ['a', 'user-1', 'ü', 'zzz']) {
      const hashKey = BigInt(`0x${createHash('md5').update(key, 'utf8').digest('hex')}`);
      const owner = Shards.find(
        (s) =>
          BigInt(s.HashKeyRange?.StartingHashKey ?? -1) <= hashKey &&
          hashKey <= BigInt(s.HashKeyRange?.EndingHashKey ?? -1),
      );
      const put = await engine.putRecord({ StreamName: 's', PartitionKey: key, Data: bytes(key) });
      expect(put.ShardId).toBe(owner?.ShardId);
    }
  });

  it('routes by ExplicitHashKey over the partition key and refuses one out of range', async () => {
    const engine = await streamWith(2);
    const put = await engine.putRecord({
      StreamName: 's',
      PartitionKey: 'a',
      ExplicitHashKey: (2n ** 128n - 1n).toString(),
      Data: bytes('x'),
    });
    expect(put.ShardId).toBe('shardId-000000000001');
    expect(
      await code(
        engine.putRecord({
          StreamName: 's',
          PartitionKey: 'a',
          ExplicitHashKey: (2n ** 128n).toString(),
          Data: bytes('x'),
        }),
      ),
    ).toBe('InvalidArgumentException');
  });

  it('numbers records of a shard with strictly increasing 56-digit sequence numbers starting 49', async () => {
    const engine = await streamWith(1);
    const out = await engine.putRecords({
      StreamName: 's',
      Records: Array.from({ length: 20 }, (_, i) => ({ PartitionKey: `k${i}`, Data: bytes(`r${i}`) })),
    });
    const numbers = (out.Records ?? []).map((r) => r.SequenceNumber ?? '');
    for (const n of numbers) expect(n).toMatch(/^49\d{54}$/);
    for (let i = 1; i < numbers.length; i++) expect(BigInt(numbers[i] ?? 0) > BigInt(numbers[i - 1] ?? 0)).toBe(true);
    expect(out.FailedRecordCount).toBe(0);
  });

  it('reads back what was written, in order, with partition key and arrival time', async () => {
    const engine = await streamWith(1);
    await engine.putRecords({
      StreamName: 's',
      Records: [
        { PartitionKey: 'p', Data: bytes('one') },
        { PartitionKey: 'q', Data: bytes('two') },
      ],
    });
    const { records } = await readAll(engine, 's', 'shardId-000000000000');
    expect(records.map((r) => [text(r.Data), r.PartitionKey, r.ApproximateArrivalTimestamp?.getTime()])).toEqual([
      ['one', 'p', t.now()],
      ['two', 'q', t.now()],
    ]);
  });

  it('refuses a record over the stream maximum and a request over 5 MiB', async () => {
    const engine = await streamWith(1);
    const big = new Uint8Array(1024 * 1024);
    expect(await code(engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: big }))).toBe(
      'InvalidArgumentException',
    );
    const nearlyMiB = new Uint8Array(1024 * 1024 - 10);
    const six = Array.from({ length: 6 }, () => ({ PartitionKey: 'k', Data: nearlyMiB }));
    expect(await code(engine.putRecords({ StreamName: 's', Records: six }))).toBe('InvalidArgumentException');
  });

  it('accepts records up to a raised MaxRecordSizeInKiB', async () => {
    t = await openTestEngine();
    await t.engine.createStream({ StreamName: 's', ShardCount: 1, MaxRecordSizeInKiB: 2048 });
    const put = await t.engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: new Uint8Array(1024 * 1024 + 5) });
    expect(put.SequenceNumber).toBeDefined();
  });

  it('starts LATEST after the last record and AT/AFTER_SEQUENCE_NUMBER at or after a record', async () => {
    const engine = await streamWith(1);
    const put = await engine.putRecords({
      StreamName: 's',
      Records: ['a', 'b', 'c'].map((d) => ({ PartitionKey: 'k', Data: bytes(d) })),
    });
    const second = put.Records?.[1]?.SequenceNumber;
    const latest = await iteratorOf('LATEST');
    await engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('d') });
    expect((await engine.getRecords({ ShardIterator: latest })).Records?.map((r) => text(r.Data))).toEqual(['d']);
    const at = await engine.getShardIterator({
      StreamName: 's',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: second,
    });
    expect((await engine.getRecords({ ShardIterator: at.ShardIterator })).Records?.map((r) => text(r.Data))).toEqual([
      'b',
      'c',
      'd',
    ]);
    const after = await engine.getShardIterator({
      StreamName: 's',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      StartingSequenceNumber: second,
    });
    expect((await engine.getRecords({ ShardIterator: after.ShardIterator })).Records?.map((r) => text(r.Data))).toEqual(
      ['c', 'd'],
    );
  });

  it('starts AT_TIMESTAMP at the first record that arrived at or after it', async () => {
    const engine = await streamWith(1);
    await engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('early') });
    t.advance(1000);
    const cut = new Date(t.now());
    await engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('late') });
    const it = await engine.getShardIterator({
      StreamName: 's',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AT_TIMESTAMP',
      Timestamp: cut,
    });
    expect((await engine.getRecords({ ShardIterator: it.ShardIterator })).Records?.map((r) => text(r.Data))).toEqual([
      'late',
    ]);
  });

  it('refuses a sequence number of another shard', async () => {
    const engine = await streamWith(2);
    const put = await engine.putRecord({ StreamName: 's', PartitionKey: 'k', ExplicitHashKey: '0', Data: bytes('x') });
    const other = engine.getShardIterator({
      StreamName: 's',
      ShardId: 'shardId-000000000001',
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: put.SequenceNumber,
    });
    expect(await code(other)).toBe('InvalidArgumentException');
  });

  it('expires iterators 5 minutes after issue and refuses malformed ones', async () => {
    const engine = await streamWith(1);
    const iterator = await iteratorOf('TRIM_HORIZON');
    t.advance(300_000);
    expect(await code(engine.getRecords({ ShardIterator: iterator }))).toBe('resolved');
    t.advance(1);
    expect(await code(engine.getRecords({ ShardIterator: iterator }))).toBe('ExpiredIteratorException');
    expect(await code(engine.getRecords({ ShardIterator: 'bm9wZQ==' }))).toBe('InvalidArgumentException');
    expect(await code(engine.getRecords({ ShardIterator: `${iterator?.slice(0, -4)}AAAA` }))).toBe(
      'InvalidArgumentException',
    );
  });

  it('honours the GetRecords Limit and reports MillisBehindLatest, 0 once caught up', async () => {
    const engine = await streamWith(1);
    await engine.putRecords({
      StreamName: 's',
      Records: ['a', 'b', 'c'].map((d) => ({ PartitionKey: 'k', Data: bytes(d) })),
    });
    t.advance(2000);
    const first = await engine.getRecords({ ShardIterator: await iteratorOf('TRIM_HORIZON'), Limit: 2 });
    expect(first.Records?.length).toBe(2);
    expect(first.MillisBehindLatest).toBe(2000);
    const second = await engine.getRecords({ ShardIterator: first.NextShardIterator });
    expect([second.Records?.length, second.MillisBehindLatest]).toEqual([1, 0]);
  });

  it('stops reading a stream that was deleted and re-created under the same name', async () => {
    const engine = await streamWith(1);
    const iterator = await iteratorOf('TRIM_HORIZON');
    await engine.deleteStream({ StreamName: 's' });
    t.advance(1);
    await engine.createStream({ StreamName: 's', ShardCount: 1 });
    expect(await code(engine.getRecords({ ShardIterator: iterator }))).toBe('ResourceNotFoundException');
  });

  it('trims records past retention so TRIM_HORIZON moves, and an old iterator reads from the oldest held', async () => {
    const engine = await streamWith(1);
    const old = await engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('old') });
    t.advance(23 * 3_600_000);
    await engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('new') });
    t.advance(3_600_000 + 1);
    await engine.housekeep();
    const { records } = await readAll(engine, 's', 'shardId-000000000000');
    expect(records.map((r) => text(r.Data))).toEqual(['new']);
    const atTrimmed = await engine.getShardIterator({
      StreamName: 's',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: old.SequenceNumber,
    });
    const read = await engine.getRecords({ ShardIterator: atTrimmed.ShardIterator });
    expect(read.Records?.map((r) => text(r.Data))).toEqual(['new']);
  });

  it('drops a closed shard and its files once its retention has passed', async () => {
    const engine = await streamWith(1);
    await engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('parent') });
    await engine.splitShard({ StreamName: 's', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '1000' });
    t.advance(1);
    await engine.putRecord({ StreamName: 's', PartitionKey: 'k', Data: bytes('child') });
    const folders = async () =>
      readdir(join(t.dataDir, 'streams', (await readdir(join(t.dataDir, 'streams')))[0] ?? ''));
    expect(await folders()).toContain('shardId-000000000000');
    t.advance(24 * 3_600_000 + 1);
    await engine.housekeep();
    const listed = (await engine.listShards({ StreamName: 's' })).Shards?.map((shard) => shard.ShardId);
    expect(listed).not.toContain('shardId-000000000000');
    expect(await folders()).not.toContain('shardId-000000000000');
  });

  it('answers ResourceNotFoundException for an unknown shard', async () => {
    const engine = await streamWith(1);
    expect(
      await code(
        engine.getShardIterator({ StreamName: 's', ShardId: 'shardId-000000000009', ShardIteratorType: 'LATEST' }),
      ),
    ).toBe('ResourceNotFoundException');
  });
});
