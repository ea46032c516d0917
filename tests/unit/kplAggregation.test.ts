import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { describe, expect, it } from 'vitest';
import {
  AggregatedRecordBuilder,
  type Deaggregation,
  deaggregate,
  encodeAggregated,
  KPL_MAGIC,
  type UserRecord,
} from '../../shared/kinesis/kplAggregation.ts';
import { MIB } from '../../shared/kinesis/limits.ts';
import { seededRandom } from '../helpers/faultProxy.ts';

// aws-kinesis-agg (awslabs/kinesis-aggregation) is an encoder and decoder we did not write. Its
// bundled index.d.ts imports 'aws-sdk' v2 types, so it is loaded untyped and given the shape of
// the two functions used here.
interface LibraryInputRecord {
  partitionKey: string;
  explicitHashKey?: string;
  data: Uint8Array;
}
interface LibraryUserRecord {
  partitionKey: string;
  explicitPartitionKey?: string;
  subSequenceNumber?: number;
  /** base64 */
  data: string;
}
interface AwsKinesisAgg {
  aggregate(
    records: LibraryInputRecord[],
    encodedRecordHandler: (encoded: { partitionKey: string; data: Buffer }, done: (error?: Error) => void) => void,
    afterPutAggregatedRecords: () => void,
    errorCallback: (error: Error) => void,
  ): void;
  deaggregateSync(
    kinesisRecord: { partitionKey: string; sequenceNumber: string; data: string },
    computeChecksums: boolean,
    afterRecordCallback: (error: Error | null | undefined, userRecords?: LibraryUserRecord[]) => void,
  ): void;
}
const kinesisAgg = createRequire(import.meta.url)('aws-kinesis-agg') as AwsKinesisAgg;

/** The aggregated records aws-kinesis-agg makes of `records` (one per ~1 MiB). */
function libraryAggregate(records: readonly UserRecord[]): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const encoded: Uint8Array[] = [];
    kinesisAgg.aggregate(
      records.map((record) => ({ ...record })), // it may rewrite `data` in place
      (record, done) => {
        encoded.push(record.data);
        done();
      },
      () => resolve(encoded),
      reject,
    );
  });
}

/** The user records aws-kinesis-agg reads from an aggregated record, digest checked. */
function libraryDeaggregate(data: Uint8Array): Promise<LibraryUserRecord[]> {
  const kinesisRecord = { partitionKey: 'outer', sequenceNumber: '1', data: Buffer.from(data).toString('base64') };
  return new Promise((resolve, reject) => {
    kinesisAgg.deaggregateSync(kinesisRecord, true, (error, userRecords) =>
      error ? reject(error) : resolve(userRecords ?? []),
    );
  });
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const md5 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('md5').update(bytes).digest());

/** Magic + `body` + the right digest of `body`. */
function framed(body: Uint8Array): Uint8Array {
  return Uint8Array.from([...KPL_MAGIC, ...body, ...md5(body)]);
}

/** The protobuf part of an aggregated record. */
const bodyOf = (data: Uint8Array): Uint8Array => data.slice(KPL_MAGIC.length, data.length - 16);

function recordsOf(result: Deaggregation): UserRecord[] {
  if (result.kind !== 'aggregated') throw new Error(`expected an aggregated record, got ${JSON.stringify(result)}`);
  return result.records;
}

describe('deaggregate, records made by aws-kinesis-agg', () => {
  it('reads a single user record', async () => {
    const [data, ...rest] = await libraryAggregate([{ partitionKey: 'user-1', data: utf8('{"n":1}') }]);
    expect(rest).toEqual([]);
    expect(deaggregate(data as Uint8Array)).toEqual({
      kind: 'aggregated',
      records: [{ partitionKey: 'user-1', data: utf8('{"n":1}') }],
    });
  });

  it('reads 20 user records in order, with distinct and repeated partition keys', async () => {
    const records = Array.from({ length: 20 }, (_, i) => ({
      partitionKey: i % 3 === 0 ? 'shared-key' : `key-${i}`,
      data: utf8(`{"n":${i}}`),
    }));
    const [data] = await libraryAggregate(records);
    const decoded = recordsOf(deaggregate(data as Uint8Array));
    expect(decoded).toEqual(records);
    expect(decoded[9]).toEqual({ partitionKey: 'shared-key', data: utf8('{"n":9}') });
    expect(decoded[10]).toEqual({ partitionKey: 'key-10', data: utf8('{"n":10}') });
  });

  it('reads records filled up to the 1 MiB record limit', async () => {
    const records = Array.from({ length: 4000 }, (_, i) => ({
      partitionKey: `device-${i % 50}`,
      data: utf8(`{"i":${String(i).padStart(4, '0')},"pad":"${'x'.repeat(281)}"}`),
    }));
    expect(records[0]?.data.length).toBe(300);
    const aggregated = await libraryAggregate(records);
    expect(aggregated).toHaveLength(2);
    const [first] = aggregated;
    expect(first?.length).toBeLessThanOrEqual(MIB);
    expect(first?.length).toBeGreaterThan(MIB - 400);
    const decoded = aggregated.flatMap((data) => recordsOf(deaggregate(data)));
    // As text: a deep comparison of 4000 byte arrays takes vitest over a second.
    const asText = (list: readonly UserRecord[]) =>
      list.map((r) => `${r.partitionKey} ${new TextDecoder().decode(r.data)}`);
    expect(asText(decoded)).toEqual(asText(records));
    expect(decoded[3999]).toEqual(records[3999]);
  });

  it('reads multi-byte UTF-8 in data and partition keys', async () => {
    const records = [
      { partitionKey: '用户-😀', data: utf8('{"msg":"こんにちは 🌍"}') },
      { partitionKey: 'ключ', data: utf8('中文 ✓ 🚀') },
      { partitionKey: '用户-😀', data: utf8('é') },
    ];
    const [data] = await libraryAggregate(records);
    const decoded = recordsOf(deaggregate(data as Uint8Array));
    expect(decoded.map((r) => r.partitionKey)).toEqual(['用户-😀', 'ключ', '用户-😀']);
    expect(new TextDecoder().decode(decoded[0]?.data)).toBe('{"msg":"こんにちは 🌍"}');
    expect(decoded).toEqual(records);
  });

  it('reads explicit hash keys, and leaves them out of records that have none', async () => {
    // Both above 2^32: aws-kinesis-agg builds its key tables with Object.keys, which moves
    // integer-like keys such as '0' to the front, so its indexes would point at the wrong key.
    const low = '4294967296';
    const high = '340282366920938463463374607431768211455';
    const records = [
      { partitionKey: 'a', explicitHashKey: high, data: utf8('1') },
      { partitionKey: 'b', data: utf8('2') },
      { partitionKey: 'c', explicitHashKey: low, data: utf8('3') },
      { partitionKey: 'a', explicitHashKey: high, data: utf8('4') },
    ];
    const [data] = await libraryAggregate(records);
    const decoded = recordsOf(deaggregate(data as Uint8Array));
    expect(decoded).toEqual(records);
    expect(decoded[1]).not.toHaveProperty('explicitHashKey');
    expect(decoded[2]?.explicitHashKey).toBe(low);
  });
});

describe('deaggregate, data that is not a readable aggregated record', () => {
  const valid = encodeAggregated([
    { partitionKey: 'a', data: utf8('{"n":1}') },
    { partitionKey: 'b', data: utf8('{"n":2}') },
  ]);
  const digestMismatch = { kind: 'corrupt', reason: 'KPL aggregated record: MD5 digest does not match its body' };

  it('is corrupt when a byte of the digest is flipped', () => {
    const data = valid.slice();
    data[data.length - 3] = (data[data.length - 3] as number) ^ 0x01;
    expect(deaggregate(data)).toEqual(digestMismatch);
  });

  it('is corrupt when a byte of the body is flipped', () => {
    const data = valid.slice();
    data[KPL_MAGIC.length + 5] = (data[KPL_MAGIC.length + 5] as number) ^ 0x40;
    expect(deaggregate(data)).toEqual(digestMismatch);
  });

  it('is corrupt when the record is cut short (the digest no longer matches)', () => {
    expect(deaggregate(valid.subarray(0, valid.length - 10))).toEqual(digestMismatch);
  });

  it('is corrupt when the body is truncated, even with a digest that matches it', () => {
    const body = bodyOf(valid);
    const result = deaggregate(framed(body.subarray(0, body.length - 3)));
    expect(result).toEqual({
      kind: 'corrupt',
      reason: 'KPL aggregated record: body is not a valid protobuf message (premature EOF)',
    });
  });

  it('is corrupt when a plain record merely starts with the magic bytes', () => {
    const data = Uint8Array.from([...KPL_MAGIC, ...new Array<number>(30).fill(0xff)]);
    expect(deaggregate(data)).toEqual(digestMismatch);
  });

  it('is plain for a JSON record', () => {
    expect(deaggregate(utf8('{"type":"page_view","source":"web"}'))).toEqual({ kind: 'plain' });
  });

  it('is plain for a record that starts with the magic but is shorter than magic + digest', () => {
    expect(deaggregate(Uint8Array.from([...KPL_MAGIC, ...new Array<number>(15).fill(0)]))).toEqual({ kind: 'plain' });
    expect(deaggregate(KPL_MAGIC)).toEqual({ kind: 'plain' });
    expect(deaggregate(new Uint8Array())).toEqual({ kind: 'plain' });
  });

  it('is corrupt when a field has the wrong wire type', () => {
    const body = new BinaryWriter().tag(1, WireType.Varint).uint32(7).finish();
    expect(deaggregate(framed(body))).toEqual({
      kind: 'corrupt',
      reason: 'KPL aggregated record: field partition_key_table has wire type 0, expected 2 (LengthDelimited)',
    });
  });

  it('is corrupt when a partition key index is outside its table', () => {
    const withIndex = (index: bigint) => {
      const body = new BinaryWriter().tag(1, WireType.LengthDelimited).string('only');
      body.tag(3, WireType.LengthDelimited).fork().tag(1, WireType.Varint).uint64(index);
      return framed(body.tag(3, WireType.LengthDelimited).bytes(utf8('x')).join().finish());
    };
    expect(deaggregate(withIndex(1n))).toEqual({
      kind: 'corrupt',
      reason:
        'KPL aggregated record: user record 0 has partition key index 1, but the partition key table has 1 entries',
    });
    expect(deaggregate(withIndex(2n ** 64n - 1n))).toEqual({
      kind: 'corrupt',
      reason:
        'KPL aggregated record: user record 0 has partition key index 18446744073709551615, but the partition key table has 1 entries',
    });
  });

  it('is corrupt when an explicit hash key index is outside its table', () => {
    const body = new BinaryWriter().tag(1, WireType.LengthDelimited).string('k');
    body.tag(3, WireType.LengthDelimited).fork().tag(1, WireType.Varint).uint64(0);
    body.tag(2, WireType.Varint).uint64(0).tag(3, WireType.LengthDelimited).bytes(utf8('x')).join();
    expect(deaggregate(framed(body.finish()))).toEqual({
      kind: 'corrupt',
      reason:
        'KPL aggregated record: user record 0 has explicit hash key index 0, but the explicit hash key table has 0 entries',
    });
  });

  it('is corrupt when a user record has no data', () => {
    const body = new BinaryWriter().tag(1, WireType.LengthDelimited).string('k');
    body.tag(3, WireType.LengthDelimited).fork().tag(1, WireType.Varint).uint64(0).join();
    expect(deaggregate(framed(body.finish()))).toEqual({
      kind: 'corrupt',
      reason: 'KPL aggregated record: user record 0 has no data',
    });
  });

  it('is corrupt when a user record has no partition key index', () => {
    const body = new BinaryWriter().tag(1, WireType.LengthDelimited).string('k');
    body.tag(3, WireType.LengthDelimited).fork().tag(3, WireType.LengthDelimited).bytes(utf8('x')).join();
    expect(deaggregate(framed(body.finish()))).toEqual({
      kind: 'corrupt',
      reason: 'KPL aggregated record: user record 0 has no partition key index',
    });
  });

  it('is corrupt when it holds no user records', () => {
    const onlyKeys = new BinaryWriter().tag(1, WireType.LengthDelimited).string('k').finish();
    const zeroRecords = { kind: 'corrupt', reason: 'KPL aggregated record: holds no user records' };
    expect(deaggregate(framed(onlyKeys))).toEqual(zeroRecords);
    expect(deaggregate(framed(new Uint8Array()))).toEqual(zeroRecords);
  });
});

describe('deaggregate, unknown fields', () => {
  it('skips an unknown field appended to the AggregatedRecord', () => {
    const records = [{ partitionKey: 'a', explicitHashKey: '42', data: utf8('{"n":1}') }];
    const body = new BinaryWriter().raw(bodyOf(encodeAggregated(records)));
    body.tag(9, WireType.Varint).uint32(300).tag(15, WireType.LengthDelimited).string('future');
    body.tag(10, WireType.Bit64).fixed64(1n).tag(11, WireType.Bit32).fixed32(2);
    expect(deaggregate(framed(body.finish()))).toEqual({ kind: 'aggregated', records });
  });

  it('skips tags and unknown fields inside a user record', () => {
    const body = new BinaryWriter().tag(1, WireType.LengthDelimited).string('k');
    body.tag(3, WireType.LengthDelimited).fork();
    body.tag(4, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string('tag').join();
    body.tag(1, WireType.Varint).uint64(0).tag(12, WireType.Varint).uint32(1);
    body.tag(3, WireType.LengthDelimited).bytes(utf8('payload')).join();
    expect(deaggregate(framed(body.finish()))).toEqual({
      kind: 'aggregated',
      records: [{ partitionKey: 'k', data: utf8('payload') }],
    });
  });
});

describe('encodeAggregated', () => {
  const records: UserRecord[] = [
    { partitionKey: 'user-1', data: utf8('{"n":1}') },
    { partitionKey: '用户-😀', explicitHashKey: '170141183460469231731687303715884105728', data: utf8('🚀') },
    { partitionKey: 'user-1', data: new Uint8Array() },
    { partitionKey: 'user-2', explicitHashKey: '170141183460469231731687303715884105728', data: utf8('{"n":4}') },
  ];

  it('is read back by aws-kinesis-agg with keys, sub-sequence numbers and data', async () => {
    const userRecords = await libraryDeaggregate(encodeAggregated(records));
    expect(userRecords.map((r) => [r.partitionKey, r.subSequenceNumber])).toEqual([
      ['user-1', 0],
      ['用户-😀', 1],
      ['user-1', 2],
      ['user-2', 3],
    ]);
    // Only where one was written: aws-kinesis-agg reads an absent explicit_hash_key_index as 0, so it
    // reports table entry 0 for user records that have no explicit hash key.
    expect([userRecords[1]?.explicitPartitionKey, userRecords[3]?.explicitPartitionKey]).toEqual([
      '170141183460469231731687303715884105728',
      '170141183460469231731687303715884105728',
    ]);
    expect(userRecords.map((r) => Buffer.from(r.data, 'base64').toString('utf8'))).toEqual([
      '{"n":1}',
      '🚀',
      '',
      '{"n":4}',
    ]);
  });

  it('is read back by deaggregate', () => {
    expect(deaggregate(encodeAggregated(records))).toEqual({ kind: 'aggregated', records });
  });

  it('writes the same bytes as aws-kinesis-agg, each key once in its table', async () => {
    const ours = encodeAggregated(records);
    expect(await libraryAggregate(records)).toEqual([Buffer.from(ours)]);
    const keyOnce = (key: string) => Buffer.from(ours).indexOf(key) === Buffer.from(ours).lastIndexOf(key);
    expect(['user-1', '用户-😀', '170141183460469231731687303715884105728'].every(keyOnce)).toBe(true);
  });

  it('starts with the magic and ends with the MD5 of the body', () => {
    const data = encodeAggregated(records);
    expect(data.subarray(0, 4)).toEqual(Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2));
    expect(data.subarray(data.length - 16)).toEqual(md5(bodyOf(data)));
  });

  it('throws a TypeError on an empty list', () => {
    expect(() => encodeAggregated([])).toThrow(TypeError);
  });
});

describe('AggregatedRecordBuilder', () => {
  const alphabet = ['a', 'b', 'z', '0', '-', 'é', 'ж', '中', '😀'];

  function randomRecord(random: () => number, keys: number): UserRecord {
    const pick = (n: number) => Math.floor(random() * n);
    const key = (prefix: string) => `${prefix}${pick(keys)}${alphabet[pick(alphabet.length)]?.repeat(pick(4))}`;
    // Lengths around the varint steps of 127/128 and 16383/16384 bytes.
    const lengths = [0, 1, 125, 126, 127, 128, 300, 16_380, 16_383, 16_384, 16_390];
    const record: UserRecord = { partitionKey: key('pk'), data: new Uint8Array(lengths[pick(lengths.length)] ?? 0) };
    if (random() < 0.4) record.explicitHashKey = key('');
    return record;
  }

  it('sizeWith and size equal the encoded length exactly (seeded random sets)', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const random = seededRandom(seed);
      const builder = new AggregatedRecordBuilder();
      const added: UserRecord[] = [];
      // Few distinct keys for some seeds (repeats), many for others (indexes past 127).
      const keys = seed % 2 === 0 ? 3 : 400;
      const count = 1 + Math.floor(random() * 250);
      for (let i = 0; i < count; i++) {
        const record = randomRecord(random, keys);
        const predicted = builder.sizeWith(record);
        builder.add(record);
        added.push(record);
        expect(builder.size, `seed ${seed}, record ${i}`).toBe(predicted);
        if (i % 25 === 0) expect(encodeAggregated(added).length, `seed ${seed}, record ${i}`).toBe(predicted);
      }
      expect(builder.encode().length, `seed ${seed}`).toBe(builder.size);
      expect(builder.count).toBe(count);
    }
  });

  it('does not count a key already in its table again', () => {
    const builder = new AggregatedRecordBuilder();
    builder.add({ partitionKey: 'p'.repeat(200), explicitHashKey: '1'.repeat(38), data: utf8('x') });
    const next = { partitionKey: 'p'.repeat(200), explicitHashKey: '1'.repeat(38), data: utf8('y') };
    // tag + length + (pk index tag + 1, ehk index tag + 1, data tag + length + 1 byte)
    expect(builder.sizeWith(next) - builder.size).toBe(2 + 7);
  });

  it('has the size of magic, empty body and digest when empty, and refuses to encode', () => {
    const builder = new AggregatedRecordBuilder();
    expect(builder.count).toBe(0);
    expect(builder.size).toBe(20);
    expect(() => builder.encode()).toThrow(TypeError);
  });

  it('encodes the same bytes as encodeAggregated of the added records', () => {
    const random = seededRandom(99);
    const records = Array.from({ length: 40 }, () => randomRecord(random, 5));
    const builder = new AggregatedRecordBuilder();
    for (const record of records) builder.add(record);
    const [built, encoded] = [builder.encode(), encodeAggregated(records)];
    expect(built.length).toBe(encoded.length);
    expect(Buffer.compare(built, encoded)).toBe(0);
  });

  it('packs up to the 1 MiB Kinesis record limit, read back by aws-kinesis-agg', async () => {
    const builder = new AggregatedRecordBuilder();
    let i = 0;
    for (;;) {
      const record = { partitionKey: `device-${i % 50}`, data: utf8(`{"i":${i}}`.padEnd(300, ' ')) };
      if (builder.sizeWith(record) > MIB) break;
      builder.add(record);
      i++;
    }
    const data = builder.encode();
    expect(data.length).toBeLessThanOrEqual(MIB);
    expect(data.length).toBeGreaterThan(MIB - 310);
    const userRecords = await libraryDeaggregate(data);
    expect(userRecords).toHaveLength(builder.count);
    expect(userRecords.at(-1)?.subSequenceNumber).toBe(builder.count - 1);
    expect(Buffer.from(userRecords.at(-1)?.data ?? '', 'base64').toString()).toBe(`{"i":${i - 1}}`.padEnd(300, ' '));
  });
});
