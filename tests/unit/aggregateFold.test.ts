import { describe, expect, it } from 'vitest';
import { foldAggregate } from '../../functions/aggregate/foldAggregate.ts';
import type { AggregateGroup, Contribution } from '../../functions/aggregate/planAggregates.ts';
import { byHourKey, eventWatermark, paddedSequence } from '../../shared/aggregates/aggregateItem.ts';
import { sequence } from '../helpers/kinesisEvents.ts';

const SHARD = 'shardId-000000000000';
const OTHER = 'shardId-000000000001';
const WINDOW = '2026-11-25T21:04:00.000Z';
const options = { nowMs: Date.parse('2026-11-25T21:06:00.000Z'), ttlDays: 30 };

function contribution(n: number, second: number, value?: number, shardId = SHARD): Contribution {
  const c: Contribution = {
    shardId,
    sequenceNumber: sequence(n),
    sequence: paddedSequence(sequence(n)),
    timeMs: Date.parse(WINDOW) + second * 1000,
  };
  if (value !== undefined) c.value = value;
  return c;
}

const typeGroup = (contributions: Contribution[], shardId = SHARD): AggregateGroup => ({
  pk: 'T#click',
  window: WINDOW,
  shardId,
  type: 'click',
  contributions,
});

describe('foldAggregate', () => {
  it("creates the shard's part: count, value statistics, event times, watermark, hour, TTL from the window end", () => {
    const { item, folded, skipped } = foldAggregate(
      undefined,
      typeGroup([contribution(1, 30, 2.5), contribution(2, 5), contribution(3, 59, -1)]),
      options,
    );
    expect(folded).toHaveLength(3);
    expect(skipped).toEqual([]);
    expect(item).toEqual({
      pk: 'T#click',
      sk: `${WINDOW}#${SHARD}`,
      window: WINDOW,
      shardId: SHARD,
      hour: byHourKey(WINDOW, 'T#click', SHARD),
      type: 'click',
      count: 3,
      valueCount: 2,
      sum: 1.5,
      min: -1,
      max: 2.5,
      firstEventTime: '2026-11-25T21:04:05.000Z',
      lastEventTime: '2026-11-25T21:04:59.000Z',
      watermark: paddedSequence(sequence(3)),
      version: 1,
      expiresAt: Date.parse('2026-11-25T21:05:00.000Z') / 1000 + 30 * 86_400,
      updatedAt: '2026-11-25T21:06:00.000Z',
    });
  });

  it('has no hour on a (type, source) item and no min or max while no event carried a value', () => {
    const group = { ...typeGroup([contribution(1, 1)]), pk: 'TS#click#web', source: 'web' };
    const { item } = foldAggregate(undefined, group, options);
    expect(item).toMatchObject({ source: 'web', count: 1, valueCount: 0, sum: 0 });
    expect(item && ('hour' in item || 'min' in item || 'max' in item)).toBe(false);
  });

  it('skips what the watermark already counted and folds the rest into the stored totals', () => {
    const first = foldAggregate(undefined, typeGroup([contribution(1, 10, 1), contribution(2, 20, 2)]), options).item;
    const redelivered = typeGroup([contribution(2, 20, 2), contribution(3, 40, 4), contribution(4, 3, 8)]);
    const { item, folded, skipped } = foldAggregate(first, redelivered, options);
    expect(skipped.map((c) => c.sequenceNumber)).toEqual([sequence(2)]);
    expect(folded.map((c) => c.sequenceNumber)).toEqual([sequence(3), sequence(4)]);
    expect(item).toMatchObject({
      count: 4,
      valueCount: 4,
      sum: 15,
      min: 1,
      max: 8,
      firstEventTime: '2026-11-25T21:04:03.000Z',
      lastEventTime: '2026-11-25T21:04:40.000Z',
      watermark: paddedSequence(sequence(4)),
      version: 2,
    });
  });

  it('returns nothing to write when every record is at or below the watermark', () => {
    const stored = foldAggregate(undefined, typeGroup([contribution(1, 1, 1), contribution(2, 2, 2)]), options).item;
    const again = foldAggregate(stored, typeGroup([contribution(1, 1, 1), contribution(2, 2, 2)]), options);
    expect(again.item).toBeUndefined();
    expect(again.skipped).toHaveLength(2);
  });

  it('refuses a contribution of another shard: each shard folds only into its own part', () => {
    expect(() => foldAggregate(undefined, typeGroup([contribution(5, 2, 1, OTHER)]), options)).toThrow(
      /contribution of shardId-000000000001 in the group of shardId-000000000000/,
    );
    const { item } = foldAggregate(undefined, typeGroup([contribution(5, 2, 1, OTHER)], OTHER), options);
    expect(item).toMatchObject({ sk: `${WINDOW}#${OTHER}`, shardId: OTHER, hour: byHourKey(WINDOW, 'T#click', OTHER) });
  });

  it('compares sequence numbers as numbers, not as text of different lengths', () => {
    const short = { ...contribution(1, 1), sequenceNumber: '99', sequence: paddedSequence('99') };
    const long = { ...contribution(2, 2), sequenceNumber: '100', sequence: paddedSequence('100') };
    const stored = foldAggregate(undefined, typeGroup([short]), options).item;
    const { folded, item } = foldAggregate(stored, typeGroup([long]), options);
    expect(folded).toEqual([long]);
    expect(item?.watermark).toBe(paddedSequence('100'));
  });

  it('orders the user records of an aggregated record by sub-sequence number, between their neighbours', () => {
    const user = (n: number, sub: number) => ({
      ...contribution(n, 1, 1),
      sequence: eventWatermark({ sequenceNumber: sequence(n), subSequenceNumber: sub }),
    });
    const stored = foldAggregate(undefined, typeGroup([contribution(1, 1, 1), user(2, 0), user(2, 1)]), options).item;
    const { folded, skipped, item } = foldAggregate(
      stored,
      typeGroup([user(2, 0), user(2, 1), user(2, 2), user(2, 10), contribution(3, 1, 1)]),
      options,
    );
    expect(skipped.map((c) => c.sequence)).toEqual([user(2, 0).sequence, user(2, 1).sequence]);
    expect(folded.map((c) => c.sequence)).toEqual([
      user(2, 2).sequence,
      user(2, 10).sequence,
      contribution(3, 1).sequence,
    ]);
    expect(item?.count).toBe(6);
  });

  it('dates hour and TTL of a late event item from its own window, not from now', () => {
    const late = { ...contribution(7, 0, 3), timeMs: Date.parse('2026-11-25T20:00:12.000Z') };
    const { item } = foldAggregate(undefined, { ...typeGroup([late]), window: '2026-11-25T20:00:00.000Z' }, options);
    expect(item).toMatchObject({
      window: '2026-11-25T20:00:00.000Z',
      hour: byHourKey('2026-11-25T20:00:00.000Z', 'T#click', SHARD),
      firstEventTime: '2026-11-25T20:00:12.000Z',
      lastEventTime: '2026-11-25T20:00:12.000Z',
      expiresAt: Date.parse('2026-11-25T20:01:00.000Z') / 1000 + 30 * 86_400,
    });
  });
});
