import { describe, expect, it } from 'vitest';
import { planAggregates } from '../../functions/aggregate/planAggregates.ts';
import { paddedSequence } from '../../shared/aggregates/aggregateItem.ts';
import { InvalidRecordError } from '../../shared/errors.ts';
import { aKinesisBatch, aPipelineRecordBytes, sequence } from '../helpers/kinesisEvents.ts';

const event = (overrides: Record<string, unknown>) => ({ data: aPipelineRecordBytes(overrides) });

describe('planAggregates', () => {
  it('puts every record into two groups of its minute: its type, and its type and source', () => {
    const batch = aKinesisBatch([
      event({ type: 'click', source: 'web', time: '2026-11-25T21:04:01.000Z', value: 2 }),
      event({ type: 'click', source: 'app', time: '2026-11-25T21:04:59.999Z', value: 3 }),
    ]);
    const { groups, invalid } = planAggregates(batch.Records);
    expect(invalid.size).toBe(0);
    expect(groups.map(({ pk, window, type, source }) => ({ pk, window, type, source }))).toEqual([
      { pk: 'T#click', window: '2026-11-25T21:04:00.000Z', type: 'click', source: undefined },
      { pk: 'TS#click#web', window: '2026-11-25T21:04:00.000Z', type: 'click', source: 'web' },
      { pk: 'TS#click#app', window: '2026-11-25T21:04:00.000Z', type: 'click', source: 'app' },
    ]);
    expect(groups[0]?.contributions).toEqual([
      {
        shardId: 'shardId-000000000000',
        sequenceNumber: sequence(1),
        sequence: paddedSequence(sequence(1)),
        timeMs: Date.parse('2026-11-25T21:04:01.000Z'),
        value: 2,
      },
      expect.objectContaining({ sequenceNumber: sequence(2), value: 3 }),
    ]);
    expect(groups[2]?.contributions.map((c) => c.sequenceNumber)).toEqual([sequence(2)]);
  });

  it('keys by event time, so a late event lands in its own older window, and converts offsets to UTC', () => {
    const batch = aKinesisBatch([
      event({ type: 'click', source: 'web', time: '2026-11-25T21:05:00.000Z' }),
      event({ type: 'click', source: 'web', time: '2026-11-25T20:59:30.5+00:00' }),
      event({ type: 'click', source: 'web', time: '2026-11-25T23:05:10.123456+02:00' }),
    ]);
    const windows = planAggregates(batch.Records)
      .groups.filter((group) => group.pk === 'T#click')
      .map((group) => [group.window, group.contributions.map((c) => c.sequenceNumber)]);
    expect(windows).toEqual([
      ['2026-11-25T21:05:00.000Z', [sequence(1), sequence(3)]],
      ['2026-11-25T20:59:00.000Z', [sequence(2)]],
    ]);
  });

  it('leaves value out of a contribution whose event carries none', () => {
    const batch = aKinesisBatch([event({ type: 'click', source: 'web', value: undefined })]);
    const contribution = planAggregates(batch.Records).groups[0]?.contributions[0];
    expect(contribution).toBeDefined();
    expect(contribution && 'value' in contribution).toBe(false);
  });

  it('percent-encodes type and source in keys, so # in a value cannot collide', () => {
    const batch = aKinesisBatch([event({ type: 'a#b', source: 'c', time: '2026-11-25T21:04:00Z' })]);
    expect(planAggregates(batch.Records).groups.map((group) => group.pk)).toEqual(['T#a%23b', 'TS#a%23b#c']);
  });

  it('sets aside invalid records with the reason, keeping the valid ones around them', () => {
    const batch = aKinesisBatch([
      event({ type: 'click', source: 'web' }),
      { data: 'not json' },
      event({ type: 'click', source: 'web', value: 1e200 }),
      event({ type: 'click', source: 'web', value: 1e-200 }),
      event({ type: '\u{1F600}'.repeat(64), source: '\u{1F600}'.repeat(128), value: 1 }),
      event({ type: 'click', source: 'web', value: -0.5 }),
    ]);
    const { groups, invalid } = planAggregates(batch.Records);
    expect([...invalid.keys()]).toEqual([sequence(2), sequence(3), sequence(4), sequence(5)]);
    for (const error of invalid.values()) expect(error).toBeInstanceOf(InvalidRecordError);
    expect(invalid.get(sequence(2))?.message).toMatch(/^not UTF-8 JSON/);
    expect(invalid.get(sequence(3))?.message).toMatch(/value 1e\+200 is outside the range DynamoDB numbers can hold/);
    expect(invalid.get(sequence(5))?.message).toMatch(/2048-byte partition key limit/);
    expect(groups.flatMap((group) => group.contributions.map((c) => c.sequenceNumber))).toEqual([
      sequence(1),
      sequence(6),
      sequence(1),
      sequence(6),
    ]);
  });
});
