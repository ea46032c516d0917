import { describe, expect, it } from 'vitest';
import { kinesisMetadata } from '../../shared/consumers/kinesisMetadata.ts';
import { positionId, type StreamEvent, streamEvents } from '../../shared/consumers/streamEvents.ts';
import { InvalidRecordError } from '../../shared/errors.ts';
import { encodeAggregated } from '../../shared/kinesis/kplAggregation.ts';
import { aKinesisRecord, aPipelineRecordBytes, sequence } from '../helpers/kinesisEvents.ts';

const ARRIVAL = new Date('2026-11-25T10:15:00.250Z');
const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
const cloudEvent = {
  specversion: '1.0',
  id: 'ce-1',
  type: 'order.placed',
  source: 'shop',
  subject: 'order-9',
  time: '2026-11-25T10:14:59Z',
  value: 12.5,
  data: { items: 2 },
};

function only(events: StreamEvent[]): StreamEvent {
  expect(events).toHaveLength(1);
  return events[0] as StreamEvent;
}

describe('streamEvents: plain records', () => {
  it('returns a record ingest wrote as written, attributes in the order sent', () => {
    const bytes = aPipelineRecordBytes({ id: 'e-1', data: { z: 1, a: 2 } });
    const item = only(streamEvents(aKinesisRecord({ sequenceNumber: sequence(1), data: bytes })));
    expect(item.ok).toBe(true);
    if (item.ok) expect(JSON.stringify(item.event)).toBe(Buffer.from(bytes).toString('utf8'));
    expect(item.position).toEqual({
      shardId: 'shardId-000000000000',
      sequenceNumber: sequence(1),
      partitionKey: 'user-1',
      arrivalMs: Date.parse('2026-11-25T10:15:00Z'),
    });
  });

  it('takes a CloudEvent written straight to the stream, with receivedAt from the arrival time', () => {
    const record = aKinesisRecord({ sequenceNumber: sequence(2), data: json(cloudEvent), arrival: ARRIVAL });
    const item = only(streamEvents(record));
    expect(item).toMatchObject({ ok: true, event: { ...cloudEvent, receivedAt: ARRIVAL.toISOString() } });
    if (item.ok) expect(item.event.ingestRequestId).toBeUndefined();
  });

  it('derives what a bare event leaves out: id from its position, time from its arrival, specversion 1.0', () => {
    const record = aKinesisRecord({
      shardId: 'shardId-000000000002',
      sequenceNumber: sequence(3),
      data: json({ type: 'click', source: 'kiosk' }),
      arrival: ARRIVAL,
    });
    const item = only(streamEvents(record));
    expect(item.ok && item.event).toEqual({
      type: 'click',
      source: 'kiosk',
      specversion: '1.0',
      id: `shardId-000000000002:${sequence(3)}`,
      time: ARRIVAL.toISOString(),
      receivedAt: ARRIVAL.toISOString(),
    });
  });

  it('derives the same id on every delivery of a record, and another id for another record', () => {
    const data = json({ type: 'click', source: 'kiosk' });
    const idOf = (n: number) => {
      const item = only(streamEvents(aKinesisRecord({ sequenceNumber: sequence(n), data })));
      return item.ok ? item.event.id : undefined;
    };
    expect(idOf(4)).toBe(idOf(4));
    expect(idOf(4)).not.toBe(idOf(5));
  });

  it.each([
    ['not JSON', 'not json{', /^not UTF-8 JSON/],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /^not UTF-8 JSON/],
    ['JSON but an array', '[1,2]', /^not a valid event: event: /],
    ['an event without a source', JSON.stringify({ type: 't' }), /^not a valid event: source: /],
    ['a receivedAt that is not a time', JSON.stringify({ type: 't', source: 's', receivedAt: 'noon' }), /receivedAt/],
    ['an empty ingestRequestId', JSON.stringify({ type: 't', source: 's', ingestRequestId: '' }), /ingestRequestId/],
    [
      "a __proto__ key, which would become the completed event's prototype",
      '{"type":"t","source":"s","__proto__":{"value":"5"}}',
      /__proto__/,
    ],
    ['a number beyond a double', '{"type":"t","source":"s","data":{"n":1e400}}', /beyond the range/],
  ])('refuses %s with the reason and keeps its bytes', (_name, data, reason) => {
    const record = aKinesisRecord({ sequenceNumber: sequence(1), data: data as string });
    expect(only(streamEvents(record))).toEqual({
      ok: false,
      position: expect.objectContaining({ sequenceNumber: sequence(1) }),
      reason: expect.stringMatching(reason),
      data: record.kinesis.data,
    });
  });
});

describe('streamEvents: KPL-aggregated records', () => {
  const users = [
    { partitionKey: 'user-a', data: json({ type: 'click', source: 'kiosk' }) },
    { partitionKey: 'user-ü', explicitHashKey: '170141183460469231731687303715884105728', data: json(cloudEvent) },
    { partitionKey: 'user-a', data: json({ type: 'click', source: 'kiosk', value: 3 }) },
  ];

  it('gives one event per user record, with its sub-sequence number and its own partition key', () => {
    const record = aKinesisRecord({
      sequenceNumber: sequence(7),
      partitionKey: 'user-a',
      data: encodeAggregated(users),
      arrival: ARRIVAL,
    });
    const items = streamEvents(record);
    expect(items.map((item) => item.ok)).toEqual([true, true, true]);
    expect(items.map((item) => item.position)).toEqual([
      {
        shardId: 'shardId-000000000000',
        sequenceNumber: sequence(7),
        subSequenceNumber: 0,
        partitionKey: 'user-a',
        arrivalMs: ARRIVAL.getTime(),
      },
      {
        shardId: 'shardId-000000000000',
        sequenceNumber: sequence(7),
        subSequenceNumber: 1,
        partitionKey: 'user-ü',
        explicitHashKey: '170141183460469231731687303715884105728',
        arrivalMs: ARRIVAL.getTime(),
      },
      {
        shardId: 'shardId-000000000000',
        sequenceNumber: sequence(7),
        subSequenceNumber: 2,
        partitionKey: 'user-a',
        arrivalMs: ARRIVAL.getTime(),
      },
    ]);
    const ids = items.map((item) => (item.ok ? item.event.id : undefined));
    expect(ids).toEqual([`shardId-000000000000:${sequence(7)}:0`, 'ce-1', `shardId-000000000000:${sequence(7)}:2`]);
  });

  it("fails only the user record that is not an event, keeping that user record's bytes", () => {
    const bad = Buffer.from('{"type":', 'utf8');
    const record = aKinesisRecord({
      sequenceNumber: sequence(8),
      data: encodeAggregated([
        users[0] as (typeof users)[0],
        { partitionKey: 'user-b', data: bad },
        users[2] as (typeof users)[0],
      ]),
    });
    const items = streamEvents(record);
    expect(items.map((item) => item.ok)).toEqual([true, false, true]);
    expect(items[1]).toMatchObject({
      ok: false,
      position: { subSequenceNumber: 1, partitionKey: 'user-b' },
      reason: expect.stringMatching(/^not UTF-8 JSON/),
      data: bad.toString('base64'),
    });
  });

  it('keeps a record whose digest does not match whole, as one invalid event', () => {
    const bytes = Buffer.from(encodeAggregated(users));
    bytes[bytes.length - 1] = (bytes.at(-1) as number) ^ 0xff;
    const record = aKinesisRecord({ sequenceNumber: sequence(9), data: bytes });
    expect(only(streamEvents(record))).toEqual({
      ok: false,
      position: expect.not.objectContaining({ subSequenceNumber: expect.anything() }),
      reason: expect.stringMatching(/digest/i),
      data: record.kinesis.data,
    });
  });
});

describe('positionId', () => {
  it('is the shard and sequence number, and the sub-sequence number inside an aggregated record', () => {
    expect(positionId({ shardId: 'shardId-000000000001', sequenceNumber: '49' })).toBe('shardId-000000000001:49');
    expect(positionId({ shardId: 'shardId-000000000001', sequenceNumber: '49', subSequenceNumber: 0 })).toBe(
      'shardId-000000000001:49:0',
    );
  });

  it('is a SHA-256 in hex when that would pass the 128 characters an id may have', () => {
    const id = positionId({ shardId: 'shardId-000000000001', sequenceNumber: '9'.repeat(128) });
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(positionId({ shardId: 'shardId-000000000001', sequenceNumber: '9'.repeat(128) })).toBe(id);
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
    expect(streamEvents(record)).toEqual([
      {
        ok: false,
        position: expect.objectContaining({ shardId: '' }),
        reason: expect.stringMatching(/eventID/),
        data: record.kinesis.data,
      },
    ]);
  });
});
