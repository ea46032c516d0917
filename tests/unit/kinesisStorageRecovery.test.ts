import { appendFile, mkdtemp, readdir, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStreamStore } from '../../local/kinesis/storage/streamStore.ts';
import type { StreamStore } from '../../local/kinesis/storage/types.ts';

const SHARD = 'shardId-000000000002';
const ALL = { maxRecords: 10_000, maxBytes: 10 * 2 ** 20 };
/** Every record has the same frame size: 26 bytes of framing, a 2-byte key, 100 bytes of data. */
const FRAME = 128;
const COUNT = 40;
/** Small files so the damage lands after a segment roll-over and a chunk boundary. */
const TUNING = { segmentBytes: 1_024, indexChunkEntries: 16 };

let dir: string;
let shardDir: string;
let store: StreamStore | undefined;
let notes: string[];

const data = (index: number) => Buffer.from(`record-${String(index).padStart(6, '0')}`.padEnd(100, '.'));
const open = async () => {
  store = await openStreamStore({ dir, durability: 'os', log: (line) => notes.push(line), ...TUNING });
  return store;
};
const append = (s: StreamStore, from: number, count: number) =>
  s.append(
    Array.from({ length: count }, (_, i) => ({
      shardId: SHARD,
      partitionKey: 'pk',
      data: data(from + i),
      arrivalMs: from + i,
    })),
  );
const newest = async (suffix: string) => {
  const names = (await readdir(shardDir)).filter((name) => name.endsWith(suffix)).sort();
  return join(shardDir, names.at(-1) as string);
};
const sizeOf = async (path: string) => (await stat(path)).size;

/** Every record 0..count-1 is there once, in order, with its bytes; then appends continue at `count`. */
async function expectIntact(s: StreamStore, count: number): Promise<void> {
  const records = await s.read(SHARD, 0, ALL);
  expect(records.map((record) => record.position)).toEqual(Array.from({ length: count }, (_, i) => i));
  for (const record of records) expect(Buffer.from(record.data).equals(data(record.position))).toBe(true);
  expect(s.bounds(SHARD)).toMatchObject({ first: 0, next: count });
  expect(await append(s, count, 3)).toEqual([count, count + 1, count + 2]);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kinesis-storage-recovery-'));
  shardDir = join(dir, SHARD);
  notes = [];
  const s = await open();
  for (let i = 0; i < COUNT; i += 10) await append(s, i, 10);
  await s.close();
});

afterEach(async () => {
  await store?.close();
  store = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('recovery on open', () => {
  it('keeps everything when nothing was damaged, and logs nothing', async () => {
    await expectIntact(await open(), COUNT);
    expect(notes).toEqual([]);
  });

  it.each([
    ['mid header', 10],
    ['mid data', 60],
    ['one byte short', FRAME - 1],
  ])('cuts a last record torn %s', async (_, kept) => {
    const log = await newest('.log');
    await truncate(log, (await sizeOf(log)) - FRAME + kept);
    const s = await open();
    await expectIntact(s, COUNT - 1);
    expect(notes.join('\n')).toMatch(/torn frame/);
    expect(await sizeOf(log)).toBe((COUNT - 1 + 3) * FRAME - (await sizeOfOthers(log)));
  });

  it('drops index entries whose records never reached the log', async () => {
    const log = await newest('.log');
    await truncate(log, (await sizeOf(log)) - 2 * FRAME);
    await expectIntact(await open(), COUNT - 2);
    expect(notes.join('\n')).toMatch(/dropped 2 index entries/);
  });

  it('drops an index entry pointing past the log', async () => {
    const entry = Buffer.alloc(16);
    entry.writeDoubleLE(COUNT * FRAME, 0);
    entry.writeDoubleLE(COUNT, 8);
    await appendFile(await newest('.idx'), entry);
    await expectIntact(await open(), COUNT);
  });

  it('indexes records that are in the log but not in the index', async () => {
    const index = await newest('.idx');
    await truncate(index, (await sizeOf(index)) - 3 * 16);
    await expectIntact(await open(), COUNT);
    expect(notes.join('\n')).toMatch(/indexed 3 records/);
  });

  it('ignores a partly written index entry', async () => {
    await appendFile(await newest('.idx'), Buffer.alloc(7, 1));
    await expectIntact(await open(), COUNT);
  });

  it('cuts garbage bytes after the last record', async () => {
    await appendFile(await newest('.log'), Buffer.from('\x07\x00\x01\x00garbage that is not a frame'));
    await expectIntact(await open(), COUNT);
    expect(notes.join('\n')).toMatch(/cut a (bad|torn) frame/);
  });

  it('rebuilds a lost index from the log', async () => {
    for (const name of await readdir(shardDir)) if (name.endsWith('.idx')) await unlink(join(shardDir, name));
    await expectIntact(await open(), COUNT);
    expect(notes.join('\n')).toMatch(new RegExp(`indexed ${COUNT} records`));
  });

  it('keeps records appended after a cut that deleted later segments, when a segment of the same name comes back', async () => {
    // The last two segments (records 24..39) turn to garbage: recovery probes them walking back the
    // index, then cuts the log at record 24 and deletes the last segment. Equal frames roll over at
    // the same offsets, so new appends re-create a segment of the deleted one's name.
    const segments = (await readdir(shardDir)).filter((name) => name.endsWith('.log')).sort();
    for (const name of segments.slice(-2)) {
      const path = join(shardDir, name);
      await writeFile(path, Buffer.alloc(await sizeOf(path), 0xff));
    }
    const s = await open();
    expect(s.bounds(SHARD).next).toBe(24);
    expect(await append(s, 24, 16)).toEqual(Array.from({ length: 16 }, (_, i) => 24 + i));
    await s.close();
    const again = await open();
    expect((await again.read(SHARD, 0, ALL)).map((record) => record.position)).toEqual(
      Array.from({ length: COUNT }, (_, i) => i),
    );
  });

  it('recovers the same state when reopened again after a repair', async () => {
    const log = await newest('.log');
    await truncate(log, (await sizeOf(log)) - 50);
    const s = await open();
    await expectIntact(s, COUNT - 1);
    await s.close();
    notes = [];
    const again = await open();
    expect(again.bounds(SHARD)).toMatchObject({ first: 0, next: COUNT + 2 });
    expect(notes).toEqual([]);
    expect((await again.read(SHARD, 0, ALL)).length).toBe(COUNT + 2);
  });
});

/** Bytes held by the segments other than `log` (frames never span segments). */
async function sizeOfOthers(log: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(shardDir)) {
    const path = join(shardDir, name);
    if (name.endsWith('.log') && path !== log) total += await sizeOf(path);
  }
  return total;
}
