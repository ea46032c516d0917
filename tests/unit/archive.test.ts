import { describe, expect, it } from 'vitest';
import { archiveKey } from '../../functions/archive/archiveKey.ts';
import { ndjson, planArchive } from '../../functions/archive/planArchive.ts';
import { aKinesisBatch, aPipelineRecordBytes, sequence } from '../helpers/kinesisEvents.ts';

const batchAt = (arrival: string) => ({
  shardId: 'shardId-000000000001',
  firstSequence: '49',
  lastSequence: '51',
  firstArrivalMs: Date.parse(arrival),
});

describe('archiveKey', () => {
  it('partitions Hive-style by the UTC hour the first record arrived in', () => {
    expect(archiveKey('events', batchAt('2026-11-25T09:07:00Z'))).toBe(
      'events/year=2026/month=11/day=25/hour=09/shardId-000000000001-49-51.ndjson.gz',
    );
  });

  it('puts the last millisecond of an hour in that hour and the next one in the next', () => {
    expect(archiveKey('events', batchAt('2026-11-25T09:59:59.999Z'))).toContain('/hour=09/');
    expect(archiveKey('events', batchAt('2026-11-25T10:00:00.000Z'))).toContain('/hour=10/');
  });

  it('rolls day, month and year over at midnight UTC, whatever the offset the time was written with', () => {
    expect(archiveKey('events', batchAt('2026-12-31T23:59:59.999Z'))).toContain('year=2026/month=12/day=31/hour=23/');
    expect(archiveKey('events', batchAt('2027-01-01T00:30:00+01:00'))).toContain('year=2026/month=12/day=31/hour=23/');
    expect(archiveKey('errors', batchAt('2027-01-01T00:00:00Z'))).toMatch(
      /^errors\/year=2027\/month=01\/day=01\/hour=00\//,
    );
  });
});

describe('planArchive', () => {
  const valid = (id: string) => ({ data: aPipelineRecordBytes({ id }) });

  it('writes one events/ object per batch, named after its shard, first and last sequence number', () => {
    const event = aKinesisBatch([valid('a'), valid('b'), valid('c')], {
      shardId: 'shardId-000000000002',
      arrival: new Date('2026-11-25T10:59:59.500Z'),
    });
    const objects = planArchive(event.Records);
    expect(objects.map((object) => object.key)).toEqual([
      `events/year=2026/month=11/day=25/hour=10/shardId-000000000002-${sequence(1)}-${sequence(3)}.ndjson.gz`,
    ]);
    // The batch crosses into hour 11; the first record's hour names it.
    expect(objects[0]?.sequenceNumbers).toEqual([sequence(1), sequence(2), sequence(3)]);
  });

  it('keeps each record as written, with its shard, sequence number, partition key and arrival time', () => {
    const bytes = aPipelineRecordBytes({ id: 'e-1', subject: 'user-42', data: { nested: [1, 'two'] } });
    const event = aKinesisBatch([{ data: bytes }], { arrival: new Date('2026-11-25T10:15:00.123Z') });
    const [object] = planArchive(event.Records);
    expect(object?.lines).toHaveLength(1);
    const line = JSON.parse(object?.lines[0] ?? '');
    expect(line).toEqual({
      kinesis: {
        shardId: 'shardId-000000000000',
        sequenceNumber: sequence(1),
        partitionKey: 'user-1',
        approximateArrivalTimestamp: '2026-11-25T10:15:00.123Z',
      },
      event: JSON.parse(Buffer.from(bytes).toString('utf8')),
    });
    // Byte for byte what ingest wrote, attribute order included.
    expect(object?.lines[0]).toContain(`"event":${Buffer.from(bytes).toString('utf8')}}`);
  });

  it('archives invalid records raw (base64) with the reason under errors/, beside the valid ones', () => {
    const notJson = Buffer.from('{"type":"t",');
    const notAnEvent = Buffer.from(JSON.stringify({ type: 'page_view' }));
    const event = aKinesisBatch([valid('a'), { data: notJson }, valid('b'), { data: notAnEvent }]);
    const [events, errors] = planArchive(event.Records);
    expect(events?.key).toMatch(/^events\//);
    expect(events?.sequenceNumbers).toEqual([sequence(1), sequence(3)]);
    expect(errors?.key).toBe(events?.key.replace(/^events\//, 'errors/'));
    expect(errors?.sequenceNumbers).toEqual([sequence(2), sequence(4)]);
    const lines = (errors?.lines ?? []).map((text) => JSON.parse(text));
    expect(lines.map((line) => Buffer.from(line.data, 'base64'))).toEqual([notJson, notAnEvent]);
    expect(lines[0].reason).toMatch(/^not UTF-8 JSON/);
    expect(lines[1].reason).toMatch(/^not a valid event: .*source/);
    expect(lines[1].kinesis.sequenceNumber).toBe(sequence(4));
  });

  it('writes only an errors/ object when no record is valid, and nothing for an empty batch', () => {
    const objects = planArchive(aKinesisBatch([{ data: 'x' }, { data: '' }]).Records);
    expect(objects.map((object) => object.prefix)).toEqual(['errors']);
    expect(objects[0]?.lines).toHaveLength(2);
    expect(planArchive([])).toEqual([]);
  });

  it('gives a redelivered batch the same keys and the same lines', () => {
    const event = aKinesisBatch([valid('a'), { data: 'bad' }, valid('b')]);
    const redelivered = structuredClone(event);
    expect(planArchive(redelivered.Records)).toEqual(planArchive(event.Records));
  });
});

describe('ndjson', () => {
  it('ends every line with a newline', () => {
    expect(ndjson(['{"a":1}', '{"b":2}'])).toBe('{"a":1}\n{"b":2}\n');
    expect(ndjson([])).toBe('');
  });
});
