import { describe, expect, it } from 'vitest';
import { decodeRecord, requireValidRecord } from '../../shared/consumers/decodeRecord.ts';
import { kinesisMetadata } from '../../shared/consumers/kinesisMetadata.ts';
import { InvalidRecordError } from '../../shared/errors.ts';
import { aKinesisRecord, aPipelineRecordBytes, sequence } from '../helpers/kinesisEvents.ts';

describe('decodeRecord', () => {
  it('returns the record as written, attributes in the order sent', () => {
    const bytes = aPipelineRecordBytes({ id: 'e-1', data: { z: 1, a: 2 } });
    const decoded = decodeRecord(aKinesisRecord({ sequenceNumber: sequence(1), data: bytes }));
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(JSON.stringify(decoded.record)).toBe(Buffer.from(bytes).toString('utf8'));
  });

  it.each([
    ['not JSON', 'not json{', /^not UTF-8 JSON/],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /^not UTF-8 JSON/],
    ['a KPL aggregate', Buffer.from([0xf3, 0x89, 0x9a, 0xc2, 0x0a, 0x01]), /^not UTF-8 JSON/],
    ['JSON but an array', '[1,2]', /^not a valid pipeline record/],
    ['a producer event without the ingest fields', JSON.stringify({ type: 't', source: 's' }), /receivedAt/],
  ])('refuses %s with the reason', (_name, data, reason) => {
    const decoded = decodeRecord(aKinesisRecord({ sequenceNumber: sequence(1), data: data as string }));
    expect(decoded).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });

  it('throws InvalidRecordError, carrying the sequence number, for consumers that fail such records', () => {
    const record = aKinesisRecord({ sequenceNumber: sequence(7), data: '{}' });
    expect(() => requireValidRecord(record)).toThrow(InvalidRecordError);
    expect(() => requireValidRecord(record)).toThrow(expect.objectContaining({ sequenceNumber: sequence(7) }));
  });
});

describe('kinesisMetadata', () => {
  it('takes the shard from eventID and the arrival time in epoch ms', () => {
    const record = aKinesisRecord({
      shardId: 'shardId-000000000003',
      sequenceNumber: sequence(5),
      partitionKey: 'user-9',
      arrival: new Date('2026-11-25T09:59:59.999Z'),
    });
    expect(kinesisMetadata(record)).toEqual({
      shardId: 'shardId-000000000003',
      sequenceNumber: sequence(5),
      partitionKey: 'user-9',
      arrivalMs: Date.parse('2026-11-25T09:59:59.999Z'),
    });
  });

  it('refuses an eventID that does not end in the record sequence number', () => {
    const record = { ...aKinesisRecord({ sequenceNumber: sequence(5) }), eventID: 'garbage' };
    expect(() => kinesisMetadata(record)).toThrow(InvalidRecordError);
  });
});
