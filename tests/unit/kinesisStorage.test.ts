import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidShardIdError } from '../../local/kinesis/storage/errors.ts';
import { openStreamStore, type StreamStoreTuning } from '../../local/kinesis/storage/streamStore.ts';
import type { AppendEntry, StreamStore } from '../../local/kinesis/storage/types.ts';

const SHARD_A = 'shardId-000000000000';
const SHARD_B = 'shardId-000000000001';
const ALL = { maxRecords: 10_000, maxBytes: 10 * 2 ** 20 };

let dir: string;
let store: StreamStore | undefined;

const open = async (tuning: StreamStoreTuning = {}) => {
  store = await openStreamStore({ dir, durability: 'os', ...tuning });
  return store;
};

/** A record whose data names its shard and index, so a read can be checked byte for byte. */
const entry = (shardId: string, index: number, arrivalMs = 1_000 + index, size = 0): AppendEntry => ({
  shardId,
  partitionKey: `pk-${index}`,
  data: Buffer.concat([Buffer.from(`${shardId}#${index}|`), Buffer.alloc(size, 120)]),
  arrivalMs,
});

const decoded = (records: { data: Uint8Array }[]) =>
  records.map((record) => Buffer.from(record.data).toString().split('|')[0]);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kinesis-storage-'));
});

afterEach(async () => {
  await store?.close();
  store = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('openStreamStore', () => {
  it('gives dense per-shard positions in input order and reads records back with their fields', async () => {
    const s = await open();
    const positions = await s.append([
      entry(SHARD_A, 0),
      entry(SHARD_B, 0),
      { ...entry(SHARD_A, 1), explicitHashKey: '340282366920938463463374607431768211455' },
    ]);
    expect(positions).toEqual([0, 0, 1]);
    const records = await s.read(SHARD_A, 0, ALL);
    expect(records).toEqual([
      { shardId: SHARD_A, position: 0, partitionKey: 'pk-0', data: expect.anything(), arrivalMs: 1_000 },
      {
        shardId: SHARD_A,
        position: 1,
        partitionKey: 'pk-1',
        explicitHashKey: '340282366920938463463374607431768211455',
        data: expect.anything(),
        arrivalMs: 1_001,
      },
    ]);
    expect(records[0]).not.toHaveProperty('explicitHashKey');
    expect(decoded(records)).toEqual([`${SHARD_A}#0`, `${SHARD_A}#1`]);
    expect(decoded(await s.read(SHARD_B, 0, ALL))).toEqual([`${SHARD_B}#0`]);
  });

  it('coalesces concurrent appends and keeps call order within a shard', async () => {
    const s = await open();
    const calls = Array.from({ length: 50 }, (_, call) =>
      s.append(Array.from({ length: 20 }, (_, i) => entry(SHARD_A, call * 20 + i))),
    );
    const positions = (await Promise.all(calls)).flat();
    expect(positions).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    const records = await s.read(SHARD_A, 0, ALL);
    expect(decoded(records)).toEqual(Array.from({ length: 1_000 }, (_, i) => `${SHARD_A}#${i}`));
  });

  it('raises an arrival time below the shard newest so arrivals never decrease', async () => {
    const s = await open();
    await s.append([entry(SHARD_A, 0, 5_000), entry(SHARD_A, 1, 4_000)]);
    expect((await s.read(SHARD_A, 0, ALL)).map((r) => r.arrivalMs)).toEqual([5_000, 5_000]);
  });

  it('rolls over to new segment files and reads across them', async () => {
    const s = await open({ segmentBytes: 4_096, indexChunkEntries: 64 });
    for (let call = 0; call < 10; call += 1) {
      await s.append(Array.from({ length: 30 }, (_, i) => entry(SHARD_A, call * 30 + i, 1_000, 100)));
    }
    const files = await readdir(join(dir, SHARD_A));
    expect(files.filter((name) => name.endsWith('.log')).length).toBeGreaterThan(5);
    expect(files.filter((name) => name.endsWith('.idx')).length).toBe(5);
    const records = await s.read(SHARD_A, 17, ALL);
    expect(records.map((r) => r.position)).toEqual(Array.from({ length: 283 }, (_, i) => 17 + i));
    expect(decoded(records)).toEqual(Array.from({ length: 283 }, (_, i) => `${SHARD_A}#${17 + i}`));
  });

  it('stops at maxRecords and before maxBytes of data plus partition key, returning at least one record', async () => {
    const s = await open();
    // Each record counts 104 bytes: 100 of data and a partition key "pk-N" of 4.
    await s.append(
      Array.from({ length: 10 }, (_, i) => ({ ...entry(SHARD_A, i, 1_000, 0), data: Buffer.alloc(100, i) })),
    );
    expect((await s.read(SHARD_A, 2, { maxRecords: 3, maxBytes: 10_000 })).map((r) => r.position)).toEqual([2, 3, 4]);
    expect((await s.read(SHARD_A, 0, { maxRecords: 100, maxBytes: 312 })).length).toBe(3);
    expect((await s.read(SHARD_A, 0, { maxRecords: 100, maxBytes: 311 })).length).toBe(2);
    expect((await s.read(SHARD_A, 5, { maxRecords: 100, maxBytes: 1 })).map((r) => r.position)).toEqual([5]);
    expect(await s.read(SHARD_A, 10, ALL)).toEqual([]);
    expect(await s.read('shardId-000000000009', 0, ALL)).toEqual([]);
  });

  it('applies maxBytes exactly to records with explicit hash keys, which count only data and partition key', async () => {
    const s = await open();
    // 104 counted bytes each; the 39-digit explicit hash key is stored in the frame but not counted.
    const hashKey = '340282366920938463463374607431768211455';
    await s.append(
      Array.from({ length: 10 }, (_, i) => ({
        ...entry(SHARD_A, i, 1_000, 0),
        data: Buffer.alloc(100, i),
        ...(i % 2 === 0 ? { explicitHashKey: hashKey } : {}),
      })),
    );
    const read = async (maxBytes: number) => (await s.read(SHARD_A, 0, { maxRecords: 100, maxBytes })).length;
    expect(await read(104 * 7)).toBe(7);
    expect(await read(104 * 7 - 1)).toBe(6);
    expect(await read(104 * 10)).toBe(10);
    const records = await s.read(SHARD_A, 3, { maxRecords: 100, maxBytes: 104 * 4 });
    expect(records.map((r) => [r.position, r.explicitHashKey])).toEqual([
      [3, undefined],
      [4, hashKey],
      [5, undefined],
      [6, hashKey],
    ]);
  });

  it('finds positions by arrival time and reports bounds', async () => {
    const s = await open({ indexChunkEntries: 4 });
    expect(s.bounds(SHARD_A)).toEqual({ first: 0, next: 0, lastArrivalMs: undefined });
    await s.append([10, 20, 20, 30, 40, 40, 40, 50].map((ms, i) => entry(SHARD_A, i, ms)));
    expect(s.bounds(SHARD_A)).toEqual({ first: 0, next: 8, lastArrivalMs: 50 });
    expect(await s.positionAt(SHARD_A, 0)).toBe(0);
    expect(await s.positionAt(SHARD_A, 20)).toBe(1);
    expect(await s.positionAt(SHARD_A, 21)).toBe(3);
    expect(await s.positionAt(SHARD_A, 40)).toBe(4);
    expect(await s.positionAt(SHARD_A, 51)).toBe(8);
    expect(await s.positionAt('shardId-000000000009', 0)).toBe(0);
  });

  it('trims records before a time, deletes whole files, and keeps the new start across a reopen', async () => {
    const s = await open({ segmentBytes: 2_048, indexChunkEntries: 16 });
    await s.append(Array.from({ length: 100 }, (_, i) => entry(SHARD_A, i, 1_000 + i, 50)));
    await s.append([entry(SHARD_B, 0, 1_000)]);
    const before = await readdir(join(dir, SHARD_A));
    await s.trimBefore(1_060);
    expect(s.bounds(SHARD_A)).toEqual({ first: 60, next: 100, lastArrivalMs: 1_099 });
    expect(s.bounds(SHARD_B)).toEqual({ first: 1, next: 1, lastArrivalMs: undefined });
    expect((await s.read(SHARD_A, 0, ALL)).map((r) => r.position)[0]).toBe(60);
    const after = await readdir(join(dir, SHARD_A));
    expect(after.filter((name) => name.endsWith('.idx'))).toEqual([
      'idx-0000000000000048.idx',
      'idx-0000000000000064.idx',
      'idx-0000000000000080.idx',
      'idx-0000000000000096.idx',
    ]);
    expect(after.filter((name) => name.endsWith('.log')).length).toBeLessThan(
      before.filter((name) => name.endsWith('.log')).length,
    );
    await s.close();
    const reopened = await open({ segmentBytes: 2_048, indexChunkEntries: 16 });
    expect(reopened.bounds(SHARD_A)).toEqual({ first: 60, next: 100, lastArrivalMs: 1_099 });
    expect(decoded(await reopened.read(SHARD_A, 0, ALL))).toEqual(
      Array.from({ length: 40 }, (_, i) => `${SHARD_A}#${60 + i}`),
    );
    expect(await reopened.append([entry(SHARD_B, 1, 2_000)])).toEqual([1]);
    expect(await reopened.append([entry(SHARD_A, 100, 2_000)])).toEqual([100]);
  });

  it('trims everything and keeps counting positions after a reopen', async () => {
    const s = await open({ segmentBytes: 1_024, indexChunkEntries: 8 });
    await s.append(Array.from({ length: 32 }, (_, i) => entry(SHARD_A, i, 1_000, 50)));
    await s.trimBefore(5_000);
    expect(s.bounds(SHARD_A)).toEqual({ first: 32, next: 32, lastArrivalMs: undefined });
    expect(await s.read(SHARD_A, 0, ALL)).toEqual([]);
    await s.close();
    const reopened = await open({ segmentBytes: 1_024, indexChunkEntries: 8 });
    expect(reopened.bounds(SHARD_A)).toEqual({ first: 32, next: 32, lastArrivalMs: undefined });
    expect(await reopened.append([entry(SHARD_A, 32, 6_000)])).toEqual([32]);
    expect(decoded(await reopened.read(SHARD_A, 0, ALL))).toEqual([`${SHARD_A}#32`]);
  });

  it('keeps every record and the next positions across a close and reopen', async () => {
    const s = await open({ segmentBytes: 8_192 });
    await s.append(Array.from({ length: 300 }, (_, i) => entry(i % 2 ? SHARD_A : SHARD_B, i, 1_000 + i, 40)));
    await s.close();
    const reopened = await open({ segmentBytes: 8_192 });
    expect(reopened.bounds(SHARD_A)).toEqual({ first: 0, next: 150, lastArrivalMs: 1_299 });
    expect((await reopened.read(SHARD_B, 0, ALL)).length).toBe(150);
    expect(await reopened.append([entry(SHARD_A, 1), entry(SHARD_B, 2)])).toEqual([150, 150]);
  });

  it('stores and reads 10 MiB records', async () => {
    const s = await open();
    const big = Buffer.alloc(10 * 2 ** 20, 7);
    big[big.length - 1] = 9;
    await s.append([
      { shardId: SHARD_A, partitionKey: 'a', data: big, arrivalMs: 1 },
      { shardId: SHARD_A, partitionKey: 'b', data: big, arrivalMs: 2 },
    ]);
    const first = await s.read(SHARD_A, 0, ALL);
    expect(first.map((r) => r.partitionKey)).toEqual(['a']);
    expect(Buffer.compare(Buffer.from(first[0]?.data ?? []), big)).toBe(0);
    expect((await s.read(SHARD_A, 1, ALL)).map((r) => r.data.length)).toEqual([big.length]);
  });

  it('refuses a whole call with a bad shard id or an oversized key, and calls after close', async () => {
    const s = await open();
    await expect(s.append([entry(SHARD_A, 0), entry('../escape', 1)])).rejects.toThrow(InvalidShardIdError);
    await expect(
      s.append([entry(SHARD_A, 0), { ...entry(SHARD_A, 1), explicitHashKey: 'x'.repeat(256) }]),
    ).rejects.toThrow(/explicit hash key/);
    expect(s.bounds(SHARD_A).next).toBe(0);
    await s.close();
    expect(() => s.bounds(SHARD_A)).toThrow(/closed/);
  });

  it.runIf(process.platform === 'linux')(
    'keeps at most maxOpenFiles descriptors however many shards it serves',
    async () => {
      const openFds = async () => (await readdir('/proc/self/fd')).length;
      const before = await openFds();
      const s = await open({ maxOpenFiles: 2, segmentBytes: 1_024 });
      const shards = Array.from({ length: 12 }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);
      await s.append(shards.flatMap((shardId) => Array.from({ length: 20 }, (_, i) => entry(shardId, i, 1_000, 60))));
      for (const shardId of shards) expect((await s.read(shardId, 0, ALL)).length).toBe(20);
      expect(await openFds()).toBeLessThanOrEqual(before + 2);
    },
  );

  it('dropShard deletes one shard, its files and its records, and leaves the others', async () => {
    const s = await open();
    await s.append([entry(SHARD_A, 0), entry(SHARD_B, 0)]);
    await s.dropShard(SHARD_A);
    expect(await readdir(dir)).not.toContain(SHARD_A);
    expect(await s.read(SHARD_A, 0, ALL)).toEqual([]);
    expect(decoded(await s.read(SHARD_B, 0, ALL))).toEqual([`${SHARD_B}#0`]);
    await s.close();
    const reopened = await open();
    expect(reopened.bounds(SHARD_A)).toEqual({ first: 0, next: 0, lastArrivalMs: undefined });
    expect(reopened.bounds(SHARD_B).next).toBe(1);
  });

  it('destroy deletes every file of the stream', async () => {
    const s = await open();
    await s.append([entry(SHARD_A, 0)]);
    await s.destroy();
    store = undefined;
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });
});
