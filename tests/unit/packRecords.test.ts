import { describe, expect, it } from 'vitest';
import { DEFAULT_PUT_RECORDS_LIMITS, MIB } from '../../shared/kinesis/limits.ts';
import { type OutgoingRecord, packRecords, recordSize } from '../../shared/kinesis/packRecords.ts';
import { recordOfSize } from '../helpers/events.ts';

const limits = DEFAULT_PUT_RECORDS_LIMITS;
const small = (n: number): OutgoingRecord[] =>
  Array.from({ length: n }, (_, i) => ({ index: i, partitionKey: `k${i}`, data: Buffer.from('{}') }));

describe('packRecords', () => {
  it('puts exactly 500 records in one call and the 501st in a second', () => {
    expect(packRecords(small(500), limits).batches.map((b) => b.length)).toEqual([500]);
    expect(packRecords(small(501), limits).batches.map((b) => b.length)).toEqual([500, 1]);
  });

  it('keeps the caller order across calls', () => {
    const { batches } = packRecords(small(1200), limits);
    expect(batches.flat().map((r) => r.index)).toEqual([...Array(1200).keys()]);
  });

  it('accepts a record of exactly the record limit and rejects one byte more', () => {
    const { batches, rejected } = packRecords([recordOfSize(0, MIB), recordOfSize(1, MIB + 1)], limits);
    expect(batches.flat().map((r) => r.index)).toEqual([0]);
    expect(rejected).toEqual([expect.objectContaining({ index: 1, code: 'record_too_large' })]);
    expect(rejected[0]?.message).toContain(`${MIB + 1} bytes`);
  });

  it('counts the partition key in the record size', () => {
    const key = 'p'.repeat(100);
    const record = { index: 0, partitionKey: key, data: Buffer.alloc(MIB - 99) };
    expect(recordSize(record)).toBe(MIB + 1);
    expect(packRecords([record], limits).rejected).toHaveLength(1);
  });

  it('fills a call up to exactly the request limit and starts a new one a byte over', () => {
    const fiveExact = Array.from({ length: 5 }, (_, i) => recordOfSize(i, MIB));
    expect(packRecords(fiveExact, limits).batches.map((b) => b.length)).toEqual([5]);
    const overByOne = [...fiveExact, recordOfSize(5, 1)];
    expect(packRecords(overByOne, limits).batches.map((b) => b.length)).toEqual([5, 1]);
    const underByOne = [...Array.from({ length: 4 }, (_, i) => recordOfSize(i, MIB)), recordOfSize(4, MIB - 1)];
    const withOneMore = [...underByOne, recordOfSize(5, 1)];
    expect(packRecords(withOneMore, limits).batches.map((b) => b.length)).toEqual([6]);
  });

  it('measures multi-byte UTF-8 keys and data in bytes, not characters', () => {
    const key = 'ключ-🔑'; // 4 Cyrillic letters (2 bytes each) + '-' + one 4-byte emoji = 13 bytes
    expect(Buffer.byteLength(key)).toBe(13);
    const data = Buffer.from('é'.repeat(10)); // 20 bytes
    expect(recordSize({ partitionKey: key, data })).toBe(33);
    const tight = { ...limits, maxRecordBytes: 32 };
    expect(packRecords([{ index: 0, partitionKey: key, data }], tight).rejected[0]?.code).toBe('record_too_large');
    expect(packRecords([{ index: 0, partitionKey: key, data }], { ...limits, maxRecordBytes: 33 }).rejected).toEqual(
      [],
    );
  });

  it('rejects empty and over-long partition keys (256 characters is the limit)', () => {
    const records = [
      { index: 0, partitionKey: '', data: Buffer.from('x') },
      { index: 1, partitionKey: 'a'.repeat(256), data: Buffer.from('x') },
      { index: 2, partitionKey: 'a'.repeat(257), data: Buffer.from('x') },
    ];
    const { batches, rejected } = packRecords(records, limits);
    expect(batches.flat().map((r) => r.index)).toEqual([1]);
    expect(rejected.map((r) => [r.index, r.code])).toEqual([
      [0, 'invalid_partition_key'],
      [2, 'invalid_partition_key'],
    ]);
  });

  it('honours configured limits for streams with larger records', () => {
    const big = { maxEntriesPerRequest: 500, maxRecordBytes: 10 * MIB, maxRequestBytes: 10 * MIB };
    const { batches, rejected } = packRecords([recordOfSize(0, 2 * MIB), recordOfSize(1, 8 * MIB)], big);
    expect(rejected).toEqual([]);
    expect(batches.map((b) => b.length)).toEqual([2]);
  });

  it('returns no calls for no records', () => {
    expect(packRecords([], limits)).toEqual({ batches: [], rejected: [] });
  });
});
